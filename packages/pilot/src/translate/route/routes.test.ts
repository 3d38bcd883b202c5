import path from 'node:path';
import type { HttpRoute, VirtualServiceSpec } from '../../model/networking-specs.js';
import { config, golden, named, translate, virtualHost, wireProblems, workload } from '../../testing/translate-fixtures.js';
import type { MeshFixture } from '../../testing/translate-fixtures.js';
import type { XdsResource } from '../resources.js';

const TESTDATA = path.join(__dirname, '..', 'testdata', 'routes');
const REVIEWS = 'reviews.default.svc.cluster.local';

const port9080 = [{ name: 'http', port: 9080, endpointPort: 15006, targetPort: 9080, protocol: 'HTTP' as const }];
const sleep = workload({ name: 'sleep-1', app: 'sleep', version: 'v1', ip: '10.1.0.1', labels: { team: 'a' }, ports: [] });
const reviews = ['v1', 'v2', 'v3'].map((v, i) => workload({ name: `reviews-${v}`, app: 'reviews', version: v, ip: `10.1.1.${i + 1}`, ports: port9080 }));
const ratings = workload({ name: 'ratings-v1', app: 'ratings', version: 'v1', ip: '10.1.2.1', ports: port9080 });
const reviewsDr = config('DestinationRule', 'reviews', {
  host: 'reviews',
  trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: 'x-user' } } },
  subsets: [
    { name: 'v1', labels: { version: 'v1' } },
    { name: 'v2', labels: { version: 'v2' }, trafficPolicy: { loadBalancer: { consistentHash: { httpCookie: { name: 'session', ttl: '60s', path: '/' } } } } },
    { name: 'v3', labels: { version: 'v3' }, trafficPolicy: { loadBalancer: { consistentHash: { useSourceIp: true } } } },
  ],
});

const mesh = (http: HttpRoute[], extra: Partial<VirtualServiceSpec> = {}): MeshFixture => ({
  workloads: [sleep, ...reviews, ratings],
  configs: [config('VirtualService', 'reviews', { hosts: ['reviews'], http, ...extra }), reviewsDr],
});
const to = (subset: string, weight?: number): { destination: { host: string; subset: string }; weight?: number } => ({ destination: { host: 'reviews', subset }, ...(weight !== undefined ? { weight } : {}) });

/** One case per VirtualService HTTP feature; the golden file holds the routes of reviews' virtual host. */
const cases: [string, MeshFixture][] = [
  ['match-uri-exact-prefix-regex', mesh([
    { match: [{ uri: { exact: '/exact' } }], route: [to('v1')] },
    { match: [{ uri: { prefix: '/prefix' }, ignoreUriCase: true }], route: [to('v2')] },
    { match: [{ uri: { regex: '/reviews/[0-9]+' } }], route: [to('v3')] },
  ])],
  ['match-headers-method-authority-scheme', mesh([
    { match: [{ headers: { 'x-b': { prefix: 'pre' }, 'x-a': { exact: 'one' }, 'x-c': { regex: 'r.*' }, 'x-present': {} }, method: { exact: 'GET' }, authority: { prefix: 'reviews' }, scheme: { exact: 'https' } }], route: [to('v2')] },
    { match: [{ withoutHeaders: { 'x-skip': { exact: 'yes' } } }], route: [to('v3')] },
    { route: [to('v1')] },
  ])],
  ['match-query-params', mesh([{ match: [{ queryParams: { user: { exact: 'jason' }, id: { regex: '[0-9]+' }, flag: {} } }], route: [to('v2')] }, { route: [to('v1')] }])],
  ['match-source-labels-gateways-port', mesh([
    { match: [{ sourceLabels: { app: 'sleep' }, uri: { prefix: '/a' } }], route: [to('v3')] },
    { match: [{ sourceLabels: { app: 'other' }, uri: { prefix: '/b' } }], route: [to('v2')] },
    { match: [{ gateways: ['ingress'], uri: { prefix: '/c' } }], route: [to('v2')] },
    { match: [{ port: 8080, uri: { prefix: '/d' } }], route: [to('v2')] },
    { match: [{ sourceNamespace: 'default', uri: { prefix: '/e' } }], route: [to('v3')] },
    { match: [{ gateways: ['mesh'], port: 9080, name: 'mesh-port' }], name: 'named', route: [to('v1')] },
  ])],
  ['weighted', mesh([{ route: [to('v1', 50), to('v2', 30), to('v3', 20)] }])],
  ['weighted-zero-weight-dropped', mesh([{ route: [to('v1', 100), to('v2', 0)] }])],
  ['retries', mesh([
    { match: [{ uri: { prefix: '/none' } }], route: [to('v1')], retries: { attempts: 0 } },
    { match: [{ uri: { prefix: '/codes' } }], route: [to('v1')], retries: { attempts: 3, perTryTimeout: '2s', retryOn: 'gateway-error,connect-failure,503,504' } },
    { route: [to('v1')], retries: { attempts: 5 } },
  ])],
  ['timeouts', mesh([{ match: [{ uri: { prefix: '/slow' } }], route: [to('v1')], timeout: '0.5s' }, { route: [to('v1')] }])],
  ['fault-delay-abort', mesh([
    { match: [{ headers: { 'end-user': { exact: 'jason' } } }], route: [to('v1')], fault: { delay: { fixedDelay: '7s', percentage: { value: 100 } }, abort: { httpStatus: 500, percentage: { value: 12.5 } } } },
    { match: [{ uri: { prefix: '/legacy' } }], route: [to('v1')], fault: { delay: { fixedDelay: '1s', percent: 10 } } },
    { route: [to('v1')], fault: { abort: { httpStatus: 503 } } },
  ])],
  ['mirror', mesh([
    { match: [{ uri: { prefix: '/half' } }], route: [to('v1')], mirror: { host: 'reviews', subset: 'v2' }, mirrorPercentage: { value: 50 } },
    { match: [{ uri: { prefix: '/legacy' } }], route: [to('v1')], mirror: { host: 'ratings' }, mirrorPercent: 25 },
    { route: [to('v1')], mirror: { host: 'reviews', subset: 'v3' } },
  ])],
  ['rewrite-redirect', mesh([
    { match: [{ uri: { prefix: '/old' } }], redirect: { uri: '/new', authority: 'reviews.example.com', redirectCode: 302 } },
    { match: [{ uri: { prefix: '/moved' } }], redirect: { uri: '/elsewhere' } },
    { match: [{ uri: { prefix: '/v1' } }], rewrite: { uri: '/', authority: 'reviews-internal' }, route: [to('v1')] },
  ])],
  ['cors', mesh([{ route: [to('v1')], corsPolicy: { allowOrigin: ['https://example.com'], allowOrigins: [{ prefix: 'https://a.' }], allowMethods: ['GET', 'POST'], allowHeaders: ['x-custom'], exposeHeaders: ['x-exposed'], maxAge: '24h', allowCredentials: false } }])],
  ['headers', mesh([
    {
      headers: { request: { set: { 'x-set': 'a' }, add: { 'x-add': 'b' }, remove: ['x-remove'] }, response: { set: { 'x-rs': 'c' }, add: { 'x-ra': 'd' }, remove: ['server'] } },
      appendHeaders: { 'x-legacy': 'e' },
      route: [
        { ...to('v1', 80), headers: { request: { set: { 'x-subset': 'v1' } }, response: { remove: ['x-internal'] } } },
        { ...to('v2', 20), headers: { response: { add: { 'x-subset': 'v2' } } } },
      ],
    },
  ])],
  ['headers-single-destination', mesh([{ headers: { request: { set: { 'x-route': 'r' } } }, route: [{ ...to('v1'), headers: { request: { set: { 'x-dest': 'd' } } } }] }])],
  ['hash-policy', mesh([
    { match: [{ uri: { prefix: '/h' } }], route: [{ destination: { host: 'reviews' } }] },
    { match: [{ uri: { prefix: '/c' } }], route: [to('v2')] },
    { route: [to('v3')] },
  ])],
  ['websocket-and-catch-all-truncation', mesh([{ route: [to('v1')], websocketUpgrade: true }, { match: [{ uri: { prefix: '/never' } }], route: [to('v2')] }])],
];

const reviewsRoutes = (f: MeshFixture): unknown => virtualHost(named(translate(sleep, f).RouteConfiguration, '9080'), `${REVIEWS}:9080`)['routes'];

describe('VirtualService HTTP route translation (Istio 1.4 route.go)', () => {
  it.each(cases)('%s matches its golden routes', (name, f) => {
    const { expected, actual } = golden(TESTDATA, name, reviewsRoutes(f));
    expect(actual).toEqual(expected);
  });

  it.each(cases)('%s encodes as valid xDS', (_name, f) => {
    expect(wireProblems(translate(sleep, f))).toEqual([]);
  });

  it('translates a source-labelled match only for the proxy it selects', () => {
    const routes = reviewsRoutes(mesh([{ match: [{ sourceLabels: { team: 'b' } }], route: [to('v3')] }])) as XdsResource[];
    expect(routes.map((r) => (r['route'] as XdsResource)['cluster'])).toEqual([`outbound|9080||${REVIEWS}`]);
  });

  it('routes hosts a VirtualService names but no service defines under their own virtual host', () => {
    const f: MeshFixture = { workloads: [sleep, ...reviews], configs: [config('VirtualService', 'ext', { hosts: ['api.example.com'], http: [{ route: [{ destination: { host: 'reviews', port: { number: 9080 } } }] }] })] };
    const vh = virtualHost(named(translate(sleep, f).RouteConfiguration, '9080'), 'api.example.com:9080');
    expect(vh['domains']).toEqual(['api.example.com', 'api.example.com:9080']);
  });
});
