// A CA and a serving certificate for the webhook, made with node:crypto alone (ECDSA P-256,
// SHA-256), so `sidecarctl webhook certs` works in the distroless-like image that has no
// openssl. X.509 v3 DER encoding per RFC 5280; the apiserver (Go crypto/x509) checks the chain
// and the subjectAltName only (Go ignores the CN for host names since 1.15), so the serving
// certificate carries every DNS name and IP the apiserver may dial.
import { createPrivateKey, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';

// --- minimal DER ------------------------------------------------------------------------------
function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let x = n; x > 0; x >>= 8) bytes.unshift(x & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag: number, body: Buffer) => Buffer.concat([Buffer.from([tag]), len(body.length), body]);
const seq = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
const explicit = (n: number, body: Buffer) => tlv(0xa0 + n, body);
function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out = [40 * parts[0]! + parts[1]!];
  for (const p of parts.slice(2)) {
    const stack = [p & 0x7f];
    for (let x = p >> 7; x > 0; x >>= 7) stack.unshift(0x80 | (x & 0x7f));
    out.push(...stack);
  }
  return tlv(0x06, Buffer.from(out));
}
function integer(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  const v = b.subarray(i);
  return tlv(0x02, v[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v);
}
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
const bool = (b: boolean) => tlv(0x01, Buffer.from([b ? 0xff : 0]));
const octets = (b: Buffer) => tlv(0x04, b);
const bits = (b: Buffer, unused = 0) => tlv(0x03, Buffer.concat([Buffer.from([unused]), b]));
function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z'; // YYYYMMDDHHMMSSZ
  // RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(iso.slice(2))) : tlv(0x18, Buffer.from(iso));
}
const name = (cn: string) => seq(set(seq(oid('2.5.4.3'), utf8(cn))));
const ext = (id: string, critical: boolean, value: Buffer) => seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));
const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));

export interface CertOptions {
  readonly commonName: string;
  /** DNS names and IP addresses (subjectAltName). */
  readonly hosts?: readonly string[];
  readonly isCA: boolean;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly publicKey: KeyObject;
  readonly issuer: { readonly commonName: string; readonly key: KeyObject };
}

function certificate(o: CertOptions): Buffer {
  const spki = o.publicKey.export({ type: 'spki', format: 'der' });
  const exts = [
    ext('2.5.29.19', true, o.isCA ? seq(bool(true)) : seq()),
    // keyUsage: digitalSignature (+ keyCertSign, cRLSign for the CA)
    ext('2.5.29.15', true, o.isCA ? bits(Buffer.from([0x86]), 1) : bits(Buffer.from([0x80]), 7)),
  ];
  if (!o.isCA) exts.push(ext('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.1')))); // serverAuth
  if (o.hosts?.length) {
    exts.push(ext('2.5.29.17', false, seq(...o.hosts.map((h) => {
      const fam = isIP(h);
      if (fam === 4) return tlv(0x87, Buffer.from(h.split('.').map(Number)));
      if (fam === 6) return tlv(0x87, ipv6Bytes(h));
      return tlv(0x82, Buffer.from(h, 'ascii'));
    }))));
  }
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))),
    integer(Buffer.concat([Buffer.from([0x01]), randomBytes(15)])),
    ECDSA_SHA256,
    name(o.issuer.commonName),
    seq(time(o.notBefore), time(o.notAfter)),
    name(o.commonName),
    spki,
    explicit(3, seq(...exts)),
  );
  const sig = sign('sha256', tbs, { key: o.issuer.key, dsaEncoding: 'der' });
  return seq(tbs, ECDSA_SHA256, bits(sig));
}

function ipv6Bytes(ip: string): Buffer {
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return Buffer.from(groups.flatMap((g) => { const n = parseInt(g, 16); return [n >> 8, n & 0xff]; }));
}

const pem = (label: string, der: Buffer) => `-----BEGIN ${label}-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END ${label}-----\n`;

export interface WebhookPki {
  readonly caCert: string;
  readonly caKey: string;
  readonly cert: string;
  readonly key: string;
}

/** A fresh CA and a serving certificate for `hosts` (the Service's DNS names, or 127.0.0.1). */
export function generateWebhookPki(o: { hosts: readonly string[]; now: Date; days?: number; caKey?: string; caCert?: string }): WebhookPki {
  if (!o.hosts.length) throw new Error('at least one host name or IP is needed for the serving certificate');
  const notBefore = new Date(o.now.getTime() - 5 * 60_000); // tolerate small clock skew
  const notAfter = new Date(o.now.getTime() + (o.days ?? 365) * 86_400_000);
  let caKeyObj: KeyObject;
  let caCertPem: string;
  let caCN: string;
  if (o.caKey && o.caCert) {
    caKeyObj = createPrivateKey(o.caKey);
    caCertPem = o.caCert;
    caCN = new X509Certificate(o.caCert).subject.replace(/^CN=/, '');
  } else {
    const ca = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    caKeyObj = ca.privateKey;
    caCN = 'sidecarctl-webhook-ca';
    caCertPem = pem('CERTIFICATE', certificate({ commonName: caCN, isCA: true, notBefore, notAfter: new Date(notAfter.getTime() + 365 * 86_400_000), publicKey: ca.publicKey, issuer: { commonName: caCN, key: ca.privateKey } }));
  }
  const leaf = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const cert = pem('CERTIFICATE', certificate({ commonName: o.hosts[0]!, hosts: o.hosts, isCA: false, notBefore, notAfter, publicKey: leaf.publicKey, issuer: { commonName: caCN, key: caKeyObj } }));
  return {
    caCert: caCertPem,
    caKey: caKeyObj.export({ type: 'pkcs8', format: 'pem' }) as string,
    cert,
    key: leaf.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  };
}

/** The DNS names the apiserver uses for a Service (`<svc>.<ns>.svc` is what it dials). */
export function serviceHosts(service: string, namespace: string): string[] {
  return [`${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`, `${service}.${namespace}`, service];
}
