// AlloyDB Auth Proxy (`gcr.io/alloydb-connectors/alloydb-auth-proxy`, binary `/alloydb-auth-proxy`):
// the same command-line design as Cloud SQL Auth Proxy v2, with its own env prefix `ALLOYDB_PROXY_`,
// a fixed default port 5432 and `--exit-zero-sigterm` (no "on").
// Source: GoogleCloudPlatform/alloydb-auth-proxy cmd/root.go (v1.15.2); "since" = first tag with the flag.
import { makeConnectorProxyProfile } from '../connector-proxy';
import type { SidecarProfile } from '../types';

export const alloydbAuthProxy: SidecarProfile = makeConnectorProxyProfile({
  id: 'alloydb-auth-proxy',
  displayName: 'AlloyDB Auth Proxy',
  docs: [
    'https://github.com/GoogleCloudPlatform/alloydb-auth-proxy/blob/main/cmd/root.go',
    'https://cloud.google.com/alloydb/docs/auth-proxy/overview',
  ],
  versions: [
    { version: '0.5.0', note: '--health-check (/startup, /readiness, /liveness) on --http-port 9090, localhost only' },
    { version: '0.6.0', note: '--http-address (default localhost)' },
    { version: '1.2.0', note: '--quitquitquit and --admin-port (9091, localhost only)' },
    { version: '1.6.0', note: '`alloydb-auth-proxy wait`' },
    { version: '1.11.0', note: '--exit-zero-sigterm (SIGTERM exits 0 instead of 143), --min-sigterm-delay' },
    { version: '1.12.0', note: '/quitquitquit also accepts GET' },
    { version: '1.14.0', note: '`alloydb-auth-proxy shutdown` calls /quitquitquit' },
  ],
  imageName: 'alloydb-auth-proxy',
  binary: 'alloydb-auth-proxy',
  notBinaries: [],
  envPrefix: 'ALLOYDB_PROXY',
  instanceEnv: 'ALLOYDB_PROXY_INSTANCE_URI',
  exitZeroFlag: 'exit-zero-sigterm',
  since: { exitZero: '1.11.0', quitquitquit: '1.2.0', quitGet: '1.12.0', shutdownCommand: '1.14.0', httpAddress: '0.6.0' },
  defaultDataPort: 5432,
  healthPortName: 'alloydb-health',
});
