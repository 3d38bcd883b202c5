import { packAny, TypeUrls } from '@mesh/shared-api';
import { decodeResources, nackMessage } from '../decoders.js';
import { ExtensionTypeUrls, packTyped } from './typed-config.js';

function decodeRoute(route: Record<string, unknown>, vh: Record<string, unknown> = {}) {
  const r = decodeResources('RouteConfiguration', [packAny(TypeUrls.RouteConfiguration, { name: '80', virtual_hosts: [{ name: 'vh', domains: ['svc'], routes: [route], ...vh }] })]);
  if (!r.ok) throw new Error(nackMessage(r.errors));
  return { vh: r.value[0]!.model.virtualHosts[0]!, route: r.value[0]!.model.virtualHosts[0]!.routes[0]!, warnings: r.warnings };
}

function rejection(route: Record<string, unknown>): string {
  try {
    decodeRoute(route);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a NACK');
}

describe('RouteConfiguration features', () => {
  it('decodes retry policies with Envoy’s defaults', () => {
    const { route } = decodeRoute({ match: { prefix: '/' }, route: { cluster: 'c', retry_policy: { retry_on: '5xx, connect-failure', per_try_timeout: { seconds: 2 }, retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts' }], host_selection_retry_max_attempts: '5' } } });
    expect(route.action).toMatchObject({ retry: { numRetries: 1, perTryTimeoutMs: 2000, backoff: { baseMs: 25, maxMs: 250 }, previousHosts: true, hostSelectionMaxAttempts: 5 } });
    expect(route.action.kind === 'route' && [...route.action.retry!.retryOn]).toEqual(['5xx', 'connect-failure']);
  });

  it('decodes mirrors, hash policies, rewrites, upgrades and gRPC timeouts', () => {
    const { route } = decodeRoute({
      match: { prefix: '/api' },
      route: {
        cluster: 'c',
        request_mirror_policies: [{ cluster: 'm', runtime_fraction: { default_value: { numerator: 10, denominator: 'HUNDRED' } } }],
        hash_policy: [{ header: { header_name: 'X-User' } }, { cookie: { name: 's', ttl: { seconds: 5 } }, terminal: true }],
        prefix_rewrite: '/v1',
        host_rewrite_literal: 'h',
        upgrade_configs: [{ upgrade_type: 'websocket' }],
        max_grpc_timeout: {},
      },
    });
    expect(route.action).toMatchObject({
      mirrors: [{ cluster: 'm', fraction: 0.1 }],
      hashPolicy: [
        { kind: 'header', name: 'x-user', terminal: false },
        { kind: 'cookie', name: 's', ttlS: 5, terminal: true },
      ],
      prefixRewrite: '/v1',
      hostRewrite: 'h',
      maxGrpcTimeoutMs: 0,
    });
  });

  it('decodes redirects and direct responses', () => {
    expect(decodeRoute({ match: { prefix: '/' }, redirect: { https_redirect: true, response_code: 'FOUND' } }).route.action).toEqual({ kind: 'redirect', scheme: 'https', status: 302, stripQuery: false });
    expect(decodeRoute({ match: { prefix: '/' }, direct_response: { status: 204 } }).route.action).toEqual({ kind: 'direct', status: 204 });
  });

  it('decodes per-filter fault and CORS configuration, ignoring filters it does not run', () => {
    const { route, vh, warnings } = decodeRoute(
      {
        match: { prefix: '/' },
        route: { cluster: 'c' },
        typed_per_filter_config: {
          'envoy.filters.http.fault': packTyped(ExtensionTypeUrls.HTTPFault, { abort: { http_status: 503, percentage: { numerator: 5000, denominator: 'TEN_THOUSAND' } } }),
          mixer: { type_url: 'type.googleapis.com/istio.mixer.v1.config.client.ServiceConfig', value: Buffer.alloc(0) },
        },
      },
      { typed_per_filter_config: { 'envoy.filters.http.cors': packTyped(ExtensionTypeUrls.CorsPolicy, { allow_origin_string_match: [{ exact: 'https://a' }], allow_credentials: { value: true } }) } },
    );
    expect(route.filterConfigs?.get('envoy.filters.http.fault')).toEqual({ kind: 'fault', fault: { abort: { httpStatus: 503, fraction: 0.5 }, headers: [] } });
    expect(route.filterConfigs?.has('mixer')).toBe(false);
    expect(warnings.join()).toMatch(/mixer/);
    expect(vh.filterConfigs?.get('envoy.filters.http.cors')).toMatchObject({ kind: 'cors', policy: { allowCredentials: true, enabledFraction: 1 } });
  });

  it('decodes header mutations with append actions and substitutions', () => {
    const { route } = decodeRoute({ match: { prefix: '/' }, route: { cluster: 'c' }, request_headers_to_add: [{ header: { key: 'X-A', value: 'ip %DOWNSTREAM_REMOTE_ADDRESS%' }, append: { value: false } }], response_headers_to_remove: ['Server'] });
    expect(route.headerOps).toEqual({
      request: { add: [{ name: 'x-a', value: ['ip ', { command: 'DOWNSTREAM_REMOTE_ADDRESS' }], action: 'overwrite', keepEmpty: false }], remove: [] },
      response: { add: [], remove: ['server'] },
    });
  });

  it.each([
    ['an unknown retry condition', { match: { prefix: '/' }, route: { cluster: 'c', retry_policy: { retry_on: 'never' } } }, /retry condition never is not known/],
    ['an unsupported host predicate', { match: { prefix: '/' }, route: { cluster: 'c', retry_policy: { retry_on: '5xx', retry_host_predicate: [{ name: 'envoy.retry_host_predicates.omit_canary_hosts' }] } } }, /omit_canary_hosts is not supported/],
    ['a fault abort status outside [200, 600)', { match: { prefix: '/' }, route: { cluster: 'c' }, typed_per_filter_config: { f: packTyped(ExtensionTypeUrls.HTTPFault, { abort: { http_status: 100 } }) } }, /http_status 100 is not in/],
    ['a regex rewrite that cannot compile', { match: { prefix: '/' }, route: { cluster: 'c', regex_rewrite: { pattern: { regex: '(' }, substitution: '' } } }, /regex_rewrite\.pattern\.regex/],
    ['modifying a pseudo-header', { match: { prefix: '/' }, route: { cluster: 'c' }, request_headers_to_add: [{ header: { key: ':path', value: '/' } }] }, /may not be modified/],
    ['subset load balancing', { match: { prefix: '/' }, route: { cluster: 'c', metadata_match: { filter_metadata: { 'envoy.lb': { fields: { v: { string_value: '1' } } } } } } }, /metadata_match/],
    ['a direct response status out of range', { match: { prefix: '/' }, direct_response: { status: 42 } }, /status 42 is not in/],
  ])('NACKs %s', (_what, route, message) => {
    expect(rejection(route)).toMatch(message);
  });
});
