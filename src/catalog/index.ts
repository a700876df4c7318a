// The catalog: every known sidecar profile, most specific first (a generic matcher such as the
// log tailer must not shadow a product that happens to run `tail`; istio-proxy's image also
// contains Envoy).
import type { Container } from 'kubernetes-types/core/v1';
import type { Catalog, SidecarProfile } from './types';
import { containerView } from './view';
import { istioProxy } from './profiles/istio-proxy';
import { linkerdProxy } from './profiles/linkerd-proxy';
import { cloudSqlProxyV1 } from './profiles/cloud-sql-proxy-v1';
import { cloudSqlProxy } from './profiles/cloud-sql-proxy';
import { alloydbAuthProxy } from './profiles/alloydb-auth-proxy';
import { vaultAgent } from './profiles/vault-agent';
import { consulTemplate } from './profiles/consul-template';
import { oauth2Proxy } from './profiles/oauth2-proxy';
import { openshiftOauthProxy } from './profiles/oauth-proxy';
import { otelCollector } from './profiles/otel-collector';
import { fluentBit } from './profiles/fluent-bit';
import { fluentd } from './profiles/fluentd';
import { vector } from './profiles/vector';
import { envoy } from './profiles/envoy';
import { logTailer } from './profiles/log-tailer';

export type { Catalog, SidecarProfile } from './types';

export const defaultProfiles: readonly SidecarProfile[] = [
  istioProxy,
  linkerdProxy,
  cloudSqlProxyV1,
  cloudSqlProxy,
  alloydbAuthProxy,
  vaultAgent,
  consulTemplate,
  oauth2Proxy,
  openshiftOauthProxy,
  otelCollector,
  fluentBit,
  fluentd,
  vector,
  envoy,
  logTailer,
];

export function createCatalog(profiles: readonly SidecarProfile[]): Catalog {
  const list = Object.freeze([...profiles]);
  const ids = new Map<string, SidecarProfile>();
  for (const p of list) {
    if (ids.has(p.id)) throw new Error(`duplicate sidecar profile id ${p.id}`);
    ids.set(p.id, p);
  }
  return {
    profiles: list,
    recognize(container: Container) {
      if (!container || typeof container !== 'object') return undefined;
      const view = containerView(container); // parsed once for all profiles
      for (const profile of list) {
        const recognition = profile.recognize(container, view);
        if (recognition) return { profile, recognition };
      }
      return undefined;
    },
    byId: (id: string) => ids.get(id),
  };
}

export const defaultCatalog: Catalog = createCatalog(defaultProfiles);
