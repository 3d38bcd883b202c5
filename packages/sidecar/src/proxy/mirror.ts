import type { OutgoingHttpHeaders } from 'node:http';
import { endpointKey } from '../routing/cluster-runtime.js';
import type { RoutingTable } from '../routing/routing-table.js';
import { H2Attempt } from './h2-attempt.js';
import type { RequestBody } from './request-body.js';
import type { SidecarStats } from './stats.js';
import type { Attempt, AttemptSpec } from './upstream-attempt.js';
import { H1Attempt } from './upstream-attempt.js';
import type { UpstreamPool } from './upstream-pool.js';

/** `host-shadow` (the port, if any, stays at the end), as Envoy names mirrored requests' authority. */
export function shadowHost(host: string): string {
  const m = /^(\[[^\]]*\]|[^:]*)(:\d+)?$/.exec(host);
  return m ? `${m[1]}-shadow${m[2] ?? ''}` : `${host}-shadow`;
}

/** What a mirrored copy of a request needs. */
export interface MirrorSpec {
  readonly table: RoutingTable;
  readonly pool: UpstreamPool;
  readonly stats: SidecarStats;
  readonly cluster: string;
  readonly method: string;
  readonly path: string;
  readonly headers: OutgoingHttpHeaders;
  readonly body: RequestBody;
  readonly timeoutMs: number;
}

/**
 * Sends a copy of the request to a mirror cluster (Envoy `request_mirror_policies`,
 * https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-routeaction-requestmirrorpolicy):
 * fire and forget. Its response is discarded, its failures only counted; it never waits on the
 * primary nor the primary on it (a mirror that cannot take the body fast enough is dropped), and
 * the cluster's circuit breakers may refuse it.
 */
export function sendMirror(spec: MirrorSpec): void {
  const { table, pool, stats, cluster } = spec;
  const picked = table.pick(cluster);
  if (!picked.ok) {
    stats.inc(`cluster.${cluster}.upstream_rq_shadow_failed`);
    return;
  }
  const { endpoint, runtime } = picked;
  const key = endpointKey(endpoint);
  const protocol = runtime.model.http?.protocol === 'http2' ? 'http2' : 'http1';
  let release = (): void => undefined;
  const ticket = pool.acquire(runtime.model, endpoint, 'DEFAULT', protocol, (connector) => {
    runtime.begin(key);
    let finished = false;
    const finish = (ok: boolean) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      runtime.end(key);
      release();
      stats.inc(`cluster.${cluster}.upstream_rq_shadow_${ok ? 'sent' : 'failed'}`);
    };
    const s: AttemptSpec = {
      endpoint,
      method: spec.method,
      path: spec.path,
      headers: { ...spec.headers, host: shadowHost(String(spec.headers['host'] ?? '')) },
      body: spec.body,
      connectTimeoutMs: runtime.model.connectTimeoutMs,
      primaryBody: false,
    };
    const events = {
      onResponse: (res: { body: NodeJS.ReadableStream }) => {
        res.body.resume();
        res.body.on('end', () => finish(true));
        res.body.on('error', () => finish(false));
      },
      onFailure: () => finish(false),
      onResponseError: () => finish(false),
    };
    const attempt: Attempt = connector.protocol === 'http2' ? new H2Attempt(s, connector.session, connector.connected, events) : new H1Attempt(s, connector.agent, events);
    const timer = setTimeout(() => {
      attempt.abort();
      finish(false);
    }, spec.timeoutMs > 0 ? spec.timeoutMs : 15_000);
    attempt.start();
  });
  if (typeof ticket === 'string') {
    stats.inc(`cluster.${cluster}.upstream_rq_shadow_overflow`);
    return;
  }
  release = () => ticket.release();
}
