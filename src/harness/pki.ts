// A throw-away PKI for the test cluster, made with openssl: one CA, the
// apiserver's serving cert, one client cert per component (the CN/O pairs the
// Node and RBAC authorizers expect: system:node:<name>/system:nodes for the
// kubelet, system:kube-controller-manager, system:kube-scheduler,
// system:masters for the admin), and the service-account signing key pair.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './exec';

export interface ClientCert { cert: string; key: string }

export interface ClusterPki {
  readonly dir: string;
  readonly caCert: string;
  readonly caKey: string;
  readonly apiserver: ClientCert;
  readonly admin: ClientCert;
  readonly kubelet: ClientCert;
  readonly controllerManager: ClientCert;
  readonly scheduler: ClientCert;
  readonly apiserverKubeletClient: ClientCert;
  readonly saKey: string;
  readonly saPub: string;
}

export function pkiLayout(dir: string): ClusterPki {
  const pair = (name: string): ClientCert => ({ cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) });
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    apiserver: pair('apiserver'),
    admin: pair('admin'),
    kubelet: pair('kubelet'),
    controllerManager: pair('controller-manager'),
    scheduler: pair('scheduler'),
    apiserverKubeletClient: pair('apiserver-kubelet-client'),
    saKey: join(dir, 'sa.key'),
    saPub: join(dir, 'sa.pub'),
  };
}

const openssl = (args: string[]) => run('openssl', args, { component: 'pki (openssl)' });

async function issue(p: ClusterPki, out: ClientCert, subject: string, sans?: string): Promise<void> {
  if (existsSync(out.cert)) return;
  await openssl(['genrsa', '-out', out.key, '2048']);
  const csr = `${out.cert}.csr`;
  await openssl(['req', '-new', '-key', out.key, '-subj', subject, '-out', csr]);
  const ext = `${out.cert}.ext`;
  writeFileSync(
    ext,
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      `extendedKeyUsage=${sans ? 'serverAuth,clientAuth' : 'clientAuth'}`,
      ...(sans ? [`subjectAltName=${sans}`] : []),
    ].join('\n') + '\n',
  );
  await openssl(['x509', '-req', '-in', csr, '-CA', p.caCert, '-CAkey', p.caKey, '-CAcreateserial', '-days', '3650', '-sha256', '-extfile', ext, '-out', out.cert]);
}

/** Creates what is missing (idempotent); returns the layout. */
export async function ensurePki(dir: string, opts: { nodeName: string; nodeIp: string }): Promise<ClusterPki> {
  mkdirSync(dir, { recursive: true });
  const p = pkiLayout(dir);
  if (!existsSync(p.caCert)) {
    await openssl(['genrsa', '-out', p.caKey, '2048']);
    await openssl(['req', '-x509', '-new', '-key', p.caKey, '-subj', '/CN=sidecarctl-test-ca', '-days', '3650', '-sha256', '-out', p.caCert]);
  }
  await issue(p, p.apiserver, '/CN=kube-apiserver', `DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,IP:127.0.0.1,IP:10.96.0.1,IP:${opts.nodeIp}`);
  await issue(p, p.admin, '/O=system:masters/CN=sidecarctl-admin');
  await issue(p, p.kubelet, `/O=system:nodes/CN=system:node:${opts.nodeName}`);
  await issue(p, p.controllerManager, '/CN=system:kube-controller-manager');
  await issue(p, p.scheduler, '/CN=system:kube-scheduler');
  await issue(p, p.apiserverKubeletClient, '/O=system:masters/CN=kube-apiserver-kubelet-client');
  if (!existsSync(p.saKey)) {
    await openssl(['genrsa', '-out', p.saKey, '2048']);
    await openssl(['rsa', '-in', p.saKey, '-pubout', '-out', p.saPub]);
  }
  return p;
}

/** A kubeconfig file that authenticates with a client certificate. */
export function writeKubeconfig(file: string, server: string, caCert: string, client: ClientCert, user: string): void {
  writeFileSync(
    file,
    `apiVersion: v1
kind: Config
clusters:
- name: sidecarctl
  cluster: {server: "${server}", certificate-authority: "${caCert}"}
users:
- name: ${user}
  user: {client-certificate: "${client.cert}", client-key: "${client.key}"}
contexts:
- name: sidecarctl
  context: {cluster: sidecarctl, user: ${user}}
current-context: sidecarctl
`,
  );
}
