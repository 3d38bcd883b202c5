import fs from 'node:fs';
import type { Logger, ProcessMetrics } from '@mesh/runtime';
import type { ConfigStore } from '../model/config-store.js';
import { JwksResolver } from './jwks-resolver.js';
import type { JwksMetrics } from './jwks-resolver.js';
import { jwksUrisOf } from './jwks-uris.js';

/** The JWKS settings of Pilot (see config.ts). */
export interface JwksSettings {
  jwksFetchTimeoutMs: number;
  jwksRefreshIntervalMs: number;
  jwksRetryIntervalMs: number;
  jwksCaFile: string;
}

/** Istio's resolver counters: `pilot_jwks_resolver_network_fetch_success_total` / `_fail_total`. */
export function jwksMetrics(meter: ProcessMetrics['meter']): JwksMetrics {
  const ok = meter.createCounter('pilot_jwks_resolver_network_fetch_success', { description: 'JWKS fetched for jwksUris' });
  const fail = meter.createCounter('pilot_jwks_resolver_network_fetch_fail', { description: 'failed JWKS fetches (the jwksUri gets a key set no token verifies with)' });
  return { fetched: (success) => (success ? ok : fail).add(1) };
}

/**
 * A {@link JwksResolver} that follows the config store: whenever the security config changes, the
 * `jwksUri`s it names are fetched (new) or forgotten (unused). Returns the resolver and its stop.
 */
export function followJwks(store: ConfigStore, settings: JwksSettings, logger: Logger, meter: ProcessMetrics['meter'], onChange: () => void): { resolver: JwksResolver; stop: () => void } {
  const resolver = new JwksResolver({
    timeoutMs: settings.jwksFetchTimeoutMs,
    refreshIntervalMs: settings.jwksRefreshIntervalMs,
    retryIntervalMs: settings.jwksRetryIntervalMs,
    onChange,
    logger: logger.child({ component: 'jwks' }),
    metrics: jwksMetrics(meter),
    ...(settings.jwksCaFile ? { ca: fs.readFileSync(settings.jwksCaFile, 'utf8') } : {}),
  });
  const sync = (): void => resolver.sync(jwksUrisOf(store.list('RequestAuthentication'), [...store.list('Policy'), ...store.list('MeshPolicy')]));
  sync();
  const off = store.onChange(sync);
  return {
    resolver,
    stop: () => {
      off();
      resolver.stop();
    },
  };
}
