import path from 'node:path';
import type { ConfigResource } from '@mesh/shared-api';
import { config, golden, named, translate, wireProblems, workload } from '../../testing/translate-fixtures.js';
import type { MeshFixture } from '../../testing/translate-fixtures.js';
import type { XdsResource } from '../resources.js';

const TESTDATA = path.join(__dirname, '..', 'testdata', 'security');

const httpbin = workload({
  name: 'httpbin-v1',
  app: 'httpbin',
  version: 'v1',
  ip: '10.1.5.1',
  namespace: 'foo',
  ports: [
    { name: 'http', port: 8000, endpointPort: 15006, targetPort: 80, protocol: 'HTTP' },
    { name: 'tcp', port: 9000, endpointPort: 15007, targetPort: 9000, protocol: 'TCP' },
  ],
});
const mesh = (...configs: ConfigResource<object>[]): MeshFixture => ({ workloads: [httpbin], configs, jwks: { 'https://example.com/.well-known/jwks.json': '{"keys":[]}' } });
const jwtRule = { issuer: 'testing@secure.istio.io', jwksUri: 'https://example.com/.well-known/jwks.json', audiences: ['httpbin'], fromHeaders: [{ name: 'x-jwt', prefix: 'Bearer ' }] };

/** One case per policy kind; the golden holds the sidecar's inbound listener. */
const cases: [string, MeshFixture][] = [
  ['no-policy', mesh()],
  ['peer-authentication-strict', mesh(config('PeerAuthentication', 'default', { mtls: { mode: 'STRICT' } }, 'foo'))],
  ['peer-authentication-mesh-permissive', mesh(config('PeerAuthentication', 'default', { mtls: { mode: 'PERMISSIVE' } }, 'istio-system'))],
  [
    'peer-authentication-port-level',
    mesh(config('PeerAuthentication', 'default', { mtls: { mode: 'STRICT' } }, 'foo'), config('PeerAuthentication', 'httpbin', { selector: { matchLabels: { app: 'httpbin' } }, mtls: { mode: 'UNSET' }, portLevelMtls: { '80': { mode: 'DISABLE' } } }, 'foo')),
  ],
  ['mesh-policy-1.4-strict', mesh(config('MeshPolicy', 'default', { peers: [{ mtls: {} }] }))],
  ['policy-1.4-targeted-permissive-with-origins', mesh(config('MeshPolicy', 'default', { peers: [{ mtls: {} }] }), config('Policy', 'httpbin', { targets: [{ name: 'httpbin', ports: [{ number: 8000 }] }], peers: [{ mtls: { mode: 'PERMISSIVE' } }], origins: [{ jwt: jwtRule }], principalBinding: 'USE_ORIGIN' }, 'foo'))],
  ['request-authentication', mesh(config('RequestAuthentication', 'jwt', { selector: { matchLabels: { app: 'httpbin' } }, jwtRules: [jwtRule, { issuer: 'other', jwksUri: 'http://keys.other.svc:8080/jwks' }] }, 'foo'))],
  [
    'authorization-policy',
    mesh(
      config('AuthorizationPolicy', 'httpbin', { selector: { matchLabels: { app: 'httpbin' } }, rules: [{ from: [{ source: { principals: ['cluster.local/ns/default/sa/sleep'] } }], to: [{ operation: { methods: ['GET'], paths: ['/headers'] } }] }, { to: [{ operation: { ports: ['9000'] } }] }] }, 'foo'),
      config('AuthorizationPolicy', 'deny-admin', { action: 'DENY', rules: [{ to: [{ operation: { paths: ['/admin*'] } }] }] }, 'foo'),
    ),
  ],
];

const inbound = (f: MeshFixture): XdsResource => named(translate(httpbin, f).Listener, 'virtualInbound');
const chainsOf = (l: XdsResource): XdsResource[] => l['filter_chains'] as XdsResource[];
const httpFilterNames = (chain: XdsResource): string[] => ((chain['filters'] as XdsResource[])[0]!['typed_config'] as { http_filters?: { name: string }[] }).http_filters?.map((f) => f.name) ?? [];

describe('security policies on the inbound listener (Istio 1.4 authn and authz plugins)', () => {
  it.each(cases)('%s matches its golden inbound listener', (name, f) => {
    const { expected, actual } = golden(TESTDATA, name, inbound(f));
    expect(actual).toEqual(expected);
  });

  it.each(cases)('%s encodes as valid xDS', (_name, f) => {
    expect(wireProblems(translate(httpbin, f))).toEqual([]);
  });

  it('terminates mTLS on every chain under STRICT, and on the istio ALPN chain only under PERMISSIVE', () => {
    const strict = chainsOf(inbound(cases[1]![1]));
    expect(strict.map((c) => c['transport_socket'] !== undefined)).toEqual([true, true]);
    const permissive = inbound(cases[2]![1]);
    expect(chainsOf(permissive).map((c) => [(c['filter_chain_match'] as XdsResource)['application_protocols'] ?? null, c['transport_socket'] !== undefined])).toEqual([
      [['istio'], true],
      [null, false],
      [['istio'], true],
      [null, false],
    ]);
    expect((permissive['listener_filters'] as XdsResource[]).map((f) => f['name'])).toEqual(['envoy.filters.listener.tls_inspector']);
  });

  it('disables mTLS on a port the workload policy lists', () => {
    expect(chainsOf(inbound(cases[3]![1])).map((c) => c['transport_socket'] !== undefined)).toEqual([false, true]);
  });

  it('orders the HTTP filters jwt_authn, istio_authn, rbac (deny, allow), then cors, fault, router', () => {
    const [chain] = chainsOf(inbound(mesh(...cases[6]![1].configs!, ...cases[7]![1].configs!)));
    expect(httpFilterNames(chain!)).toEqual(['envoy.filters.http.jwt_authn', 'istio_authn', 'envoy.filters.http.rbac', 'envoy.filters.http.rbac', 'envoy.filters.http.cors', 'envoy.filters.http.fault', 'envoy.filters.http.router']);
  });

  it('uses the clients ISTIO_MUTUAL automatically under enableAutoMtls when the namespace requires mTLS', () => {
    const sleep = workload({ name: 'sleep', app: 'sleep', ip: '10.1.0.1', ports: [] });
    const out = translate(sleep, { ...mesh(config('PeerAuthentication', 'default', { mtls: { mode: 'STRICT' } }, 'foo')), workloads: [sleep, httpbin], settings: { enableAutoMtls: true } });
    expect(named(out.Cluster, 'outbound|8000||httpbin.foo.svc.cluster.local')['transport_socket_matches']).toBeDefined();
  });
});
