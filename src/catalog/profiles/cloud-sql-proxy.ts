// Cloud SQL Auth Proxy v2 (`gcr.io/cloud-sql-connectors/cloud-sql-proxy`, binary `/cloud-sql-proxy`).
// Flags, defaults and env names: GoogleCloudPlatform/cloud-sql-proxy cmd/root.go (v2.25.3);
// "since" versions: the first release tag containing each flag's commit.
import { makeConnectorProxyProfile } from '../connector-proxy';
import type { SidecarProfile } from '../types';

export const cloudSqlProxy: SidecarProfile = makeConnectorProxyProfile({
  id: 'cloud-sql-proxy',
  displayName: 'Cloud SQL Auth Proxy v2',
  docs: [
    'https://github.com/GoogleCloudPlatform/cloud-sql-proxy/blob/main/cmd/root.go',
    'https://github.com/GoogleCloudPlatform/cloud-sql-proxy/tree/main/examples/k8s-health-check',
    'https://github.com/GoogleCloudPlatform/cloud-sql-proxy/tree/main/examples/k8s-sidecar',
  ],
  versions: [
    { version: '2.0.0', note: '--health-check (/startup, /readiness, /liveness), --http-address (default localhost), --http-port 9090, --admin-port 9091, --max-sigterm-delay; every flag also as CSQL_PROXY_<FLAG>' },
    { version: '2.1.0', note: '--quitquitquit: POST /quitquitquit on the localhost-only admin port exits 0' },
    { version: '2.6.0', note: '--exit-zero-on-sigterm: SIGTERM exits 0 instead of 143' },
    { version: '2.7.0', note: '/quitquitquit also accepts GET' },
    { version: '2.8.0', note: '`cloud-sql-proxy wait` polls another proxy\'s /startup (for app entrypoints or postStart)' },
    { version: '2.12.0', note: '--min-sigterm-delay: keep accepting new connections for a while after SIGTERM' },
    { version: '2.20.0', note: '`cloud-sql-proxy shutdown` calls /quitquitquit (usable as an exec preStop without a shell)' },
  ],
  imageName: 'cloud-sql-proxy',
  binary: 'cloud-sql-proxy',
  notBinaries: ['cloud_sql_proxy'],
  envPrefix: 'CSQL_PROXY',
  instanceEnv: 'CSQL_PROXY_INSTANCE_CONNECTION_NAME',
  exitZeroFlag: 'exit-zero-on-sigterm',
  since: { exitZero: '2.6.0', quitquitquit: '2.1.0', quitGet: '2.7.0', shutdownCommand: '2.20.0', httpAddress: '2.0.0' },
  healthPortName: 'csql-health',
});
