import { INBOUND_LISTENER } from '@mesh/shared-api';
import { ClusterRuntimes } from './cluster-runtime.js';
import type { RequestFacts } from './match.js';
import type { ClusterModel, ListenerModel, LoadAssignmentModel, ResourceSnapshot, RouteConfigurationModel, RouteModel } from './model.js';
import { RoutingTable, splitAuthority } from './routing-table.js';

const A = 'outbound|80||a.default.svc.cluster.local';
const A_V1 = 'outbound|80|v1|a.default.svc.cluster.local';
const A_V2 = 'outbound|80|v2|a.default.svc.cluster.local';
const B = 'outbound|9080||b.default.svc.cluster.local';
const IN = 'inbound|80||a.default.svc.cluster.local';

const eds = (name: string): ClusterModel => ({ name, type: 'EDS', edsServiceName: name, connectTimeoutMs: 10000 });
const cla = (name: string, ...ports: number[]): LoadAssignmentModel => ({ clusterName: name, endpoints: ports.map((port) => ({ address: '10.0.0.1', port })) });
const rdsListener = (port: number): ListenerModel => ({ name: `0.0.0.0_${port}`, address: '0.0.0.0', port, filterChains: [{ http: { statPrefix: 'o', routes: { kind: 'rds', name: String(port) } } }] });
const route = (prefix: string, clusters: Array<[string, number]>, timeoutMs?: number): RouteModel => ({
  name: '',
  match: { path: { kind: 'prefix', value: prefix }, caseSensitive: true, headers: [] },
  action: { kind: 'route', clusters: clusters.map(([name, weight]) => ({ name, weight })), totalWeight: clusters.reduce((s, [, w]) => s + w, 0), ...(timeoutMs === undefined ? {} : { timeoutMs }) },
});
const routes = (port: number, vhosts: Array<[string[], RouteModel[]]>): RouteConfigurationModel => ({
  name: String(port),
  virtualHosts: vhosts.map(([domains, r], i) => ({ name: `vh${i}`, domains, routes: r })),
});

function snapshot(): ResourceSnapshot {
  const inbound: ListenerModel = {
    name: INBOUND_LISTENER,
    address: '0.0.0.0',
    port: 15006,
    filterChains: [{ destinationPort: 15006, http: { statPrefix: 'i', routes: { kind: 'inline', config: routes(0, [[['*'], [route('/', [[IN, 1]])]]]) } } }],
  };
  return {
    listeners: new Map([
      ['0.0.0.0_80', rdsListener(80)],
      ['0.0.0.0_9080', rdsListener(9080)],
      ['0.0.0.0_7000', rdsListener(7000)],
      [INBOUND_LISTENER, inbound],
    ]),
    routes: new Map([
      [
        '80',
        routes(80, [
          [
            ['a', 'a:80', 'a.default.svc.cluster.local'],
            [route('/split', [[A_V1, 90], [A_V2, 10]]), route('/slow', [[A, 1]], 250), route('/gone', [['outbound|80||nowhere', 1]]), route('/', [[A, 1]])],
          ],
        ]),
      ],
      ['9080', routes(9080, [[['b:9080'], [route('/api', [[B, 1]])]]])],
    ]),
    clusters: new Map([
      [A, eds(A)],
      [A_V1, eds(A_V1)],
      [A_V2, eds(A_V2)],
      [B, eds(B)],
      [IN, { name: IN, type: 'STATIC', connectTimeoutMs: 1000, loadAssignment: { clusterName: IN, endpoints: [{ address: '127.0.0.1', port: 8080 }] } }],
    ]),
    endpoints: new Map([
      [A, cla(A, 1, 2, 3)],
      [A_V1, cla(A_V1, 11)],
      [A_V2, cla(A_V2, 22)],
      [B, cla(B)],
    ]),
  };
}

const req = (authority: string, path = '/'): RequestFacts => ({ method: 'GET', path, authority, headers: {} });

/** A deterministic uniform sequence (a linear congruential generator) for statistical tests. */
function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1664525 + 1013904223) % 2 ** 32;
    return s / 2 ** 32;
  };
}

describe('RoutingTable', () => {
  const table = new RoutingTable(snapshot(), { random: seeded(7), runtimes: new ClusterRuntimes() });

  it('routes by the destination port to its route configuration and virtual host', () => {
    expect(table.routeOutbound(req('a'), 80)).toMatchObject({ ok: true, cluster: A, routeConfig: '80', virtualHost: 'vh0' });
    expect(table.routeOutbound(req('a.default.svc.cluster.local'), 80)).toMatchObject({ ok: true, cluster: A });
  });

  it('takes the first matching route in order', () => {
    expect(table.routeOutbound(req('a', '/slow/x'), 80)).toMatchObject({ ok: true, cluster: A, timeoutMs: 250 });
    expect(table.routeOutbound(req('a', '/other'), 80)).toMatchObject({ ok: true, cluster: A, timeoutMs: undefined });
  });

  it('spreads requests over endpoints round robin', () => {
    const table = new RoutingTable(snapshot(), { random: Math.random, runtimes: new ClusterRuntimes() });
    const ports = Array.from({ length: 6 }, () => {
      const d = table.routeOutbound(req('a'), 80);
      return d.ok ? d.endpoint.port : 0;
    });
    expect(ports).toEqual([1, 2, 3, 1, 2, 3]);
  });

  it('follows a 90/10 weighted split within statistical tolerance', () => {
    const n = 10000;
    let v2 = 0;
    for (let i = 0; i < n; i++) {
      const d = table.routeOutbound(req('a', '/split'), 80);
      if (d.ok && d.cluster === A_V2) v2++;
    }
    // Binomial(10000, 0.1): σ = 30, so ±150 is a 5σ band.
    expect(Math.abs(v2 - 1000)).toBeLessThan(150);
  });

  it('picks by the injected random source at the split boundary', () => {
    const fixed = (x: number) => new RoutingTable(snapshot(), { random: () => x, runtimes: new ClusterRuntimes() });
    expect(fixed(0.899).routeOutbound(req('a', '/split'), 80)).toMatchObject({ cluster: A_V1 });
    expect(fixed(0.9).routeOutbound(req('a', '/split'), 80)).toMatchObject({ cluster: A_V2 });
  });

  it.each([
    ['no listener on the port', req('a:81'), 81],
    ['a listener whose route configuration has not arrived', req('c:7000'), 7000],
    ['no virtual host for the authority', req('unknown'), 80],
    ['no route for the path', req('b:9080', '/other'), 9080],
  ])('answers 404 NR for %s', (_what, facts, port) => {
    expect(table.routeOutbound(facts, port)).toMatchObject({ ok: false, status: 404, flag: 'NR' });
  });

  it('answers 503 UH when the cluster has no endpoints', () => {
    expect(table.routeOutbound(req('b:9080', '/api'), 9080)).toMatchObject({ ok: false, status: 503, flag: 'UH', cluster: B });
  });

  it('answers 503 NC when the route names an unknown cluster', () => {
    expect(table.routeOutbound(req('a', '/gone'), 80)).toMatchObject({ ok: false, status: 503, flag: 'NC' });
  });

  it('sends inbound requests through the filter chain of the local port to the app', () => {
    expect(table.routeInbound(req('anything'), 15006)).toMatchObject({ ok: true, cluster: IN, endpoint: { address: '127.0.0.1', port: 8080 } });
    expect(table.routeInbound(req('anything'), 15007)).toMatchObject({ ok: false, flag: 'NR' });
  });

  it('routes nothing before the first config', () => {
    const empty = new RoutingTable({ listeners: new Map(), routes: new Map(), clusters: new Map(), endpoints: new Map() }, { random: Math.random, runtimes: new ClusterRuntimes() });
    expect(empty.routeOutbound(req('a'), 80)).toMatchObject({ ok: false, flag: 'NR' });
  });
});

describe('splitAuthority', () => {
  it.each([
    ['a', { host: 'a', port: undefined }],
    ['a:8080', { host: 'a', port: 8080 }],
    ['[::1]:9', { host: '[::1]', port: 9 }],
    ['a:99999', { host: 'a', port: undefined }],
  ])('splits %s', (authority, expected) => {
    expect(splitAuthority(authority)).toEqual(expected);
  });
});
