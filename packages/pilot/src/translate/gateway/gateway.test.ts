import path from 'node:path';
import type { GatewaySpec, VirtualServiceSpec } from '../../model/networking-specs.js';
import { config, golden, translate, wireProblems, workload } from '../../testing/translate-fixtures.js';
import type { MeshFixture } from '../../testing/translate-fixtures.js';

const TESTDATA = path.join(__dirname, '..', 'testdata', 'gateway');

const ingress = workload({ name: 'istio-ingressgateway-1', app: 'istio-ingressgateway', ip: '10.0.9.1', namespace: 'istio-system', labels: { istio: 'ingressgateway' }, ports: [], type: 'router' });
const productpage = workload({ name: 'productpage-v1', app: 'productpage', version: 'v1', ip: '10.1.4.1', ports: [{ name: 'http', port: 9080, endpointPort: 15006, targetPort: 9080, protocol: 'HTTP' }] });
const tcpEcho = workload({ name: 'tcp-echo-v1', app: 'tcp-echo', version: 'v1', ip: '10.1.3.1', ports: [{ name: 'tcp', port: 9000, endpointPort: 15006, targetPort: 9000, protocol: 'TCP' }] });

const mesh = (gateways: [string, GatewaySpec][], vs: [string, VirtualServiceSpec][]): MeshFixture => ({
  workloads: [ingress, productpage, tcpEcho],
  configs: [...gateways.map(([n, s]) => config('Gateway', n, s)), ...vs.map(([n, s]) => config('VirtualService', n, s))],
});

const selector = { istio: 'ingressgateway' };
const bookinfoVs: [string, VirtualServiceSpec] = [
  'bookinfo',
  {
    hosts: ['*'],
    gateways: ['bookinfo-gateway'],
    http: [{ match: [{ uri: { exact: '/productpage' } }, { uri: { prefix: '/static' } }], route: [{ destination: { host: 'productpage', port: { number: 9080 } } }] }],
  },
];

/** One case per Gateway server kind; the golden holds the gateway's listeners and routes. */
const cases: [string, MeshFixture][] = [
  ['http', mesh([['bookinfo-gateway', { selector, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] }]], [bookinfoVs])],
  [
    'https-simple-and-redirect',
    mesh(
      [['bookinfo-gateway', { selector, servers: [
        { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['bookinfo.example.com'], tls: { httpsRedirect: true } },
        { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['bookinfo.example.com'], tls: { mode: 'SIMPLE', serverCertificate: '/etc/istio/ingressgateway-certs/tls.crt', privateKey: '/etc/istio/ingressgateway-certs/tls.key', minProtocolVersion: 'TLSV1_2' } },
      ] }]],
      [['bookinfo', { ...bookinfoVs[1], hosts: ['bookinfo.example.com'] }]],
    ),
  ],
  [
    'https-mutual-credential',
    mesh(
      [['bookinfo-gateway', { selector, servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['bookinfo.example.com'], tls: { mode: 'MUTUAL', credentialName: 'bookinfo-credential' } }] }]],
      [['bookinfo', { ...bookinfoVs[1], hosts: ['bookinfo.example.com'] }]],
    ),
  ],
  [
    'tls-passthrough-and-tcp',
    mesh(
      [['edge', { selector, servers: [
        { port: { number: 443, name: 'tls', protocol: 'TLS' }, hosts: ['nginx.example.com'], tls: { mode: 'PASSTHROUGH' } },
        { port: { number: 31400, name: 'tcp', protocol: 'TCP' }, hosts: ['*'] },
      ] }]],
      [
        ['nginx', { hosts: ['nginx.example.com'], gateways: ['edge'], tls: [{ match: [{ port: 443, sniHosts: ['nginx.example.com'] }], route: [{ destination: { host: 'productpage', port: { number: 9080 } } }] }] }],
        ['tcp-echo', { hosts: ['*'], gateways: ['edge'], tcp: [{ match: [{ port: 31400 }], route: [{ destination: { host: 'tcp-echo', port: { number: 9000 } } }] }] }],
      ],
    ),
  ],
  [
    'merged-virtual-services',
    mesh(
      [['bookinfo-gateway', { selector, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] }], ['other-gateway', { selector: { istio: 'egressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] }]],
      [
        ['catch-all', { hosts: ['bookinfo.example.com'], gateways: ['bookinfo-gateway'], http: [{ route: [{ destination: { host: 'productpage' } }] }] }],
        ['api', { hosts: ['bookinfo.example.com'], gateways: ['bookinfo-gateway'], http: [{ match: [{ uri: { prefix: '/api' } }], route: [{ destination: { host: 'productpage' } }] }] }],
        ['not-bound', { hosts: ['other.example.com'], gateways: ['other-gateway'], http: [{ route: [{ destination: { host: 'productpage' } }] }] }],
      ],
    ),
  ],
];

describe('Gateway translation (Istio 1.4 gateway.go)', () => {
  it.each(cases)('%s matches its golden listeners and routes', (name, f) => {
    const out = translate(ingress, f);
    const { expected, actual } = golden(TESTDATA, name, { Listener: out.Listener, RouteConfiguration: out.RouteConfiguration });
    expect(actual).toEqual(expected);
  });

  it.each(cases)('%s encodes as valid xDS', (_name, f) => {
    expect(wireProblems(translate(ingress, f))).toEqual([]);
  });

  it('gives a gateway no inbound listener, its clusters and BlackHoleCluster', () => {
    const out = translate(ingress, cases[0]![1]);
    expect(out.Listener.map((l) => l['name'])).toEqual(['0.0.0.0_80']);
    expect(out.Cluster.map((c) => c['name'])).toContain('BlackHoleCluster');
    expect(out.Cluster.map((c) => c['name'])).not.toContain('inbound|80||istio-ingressgateway.istio-system.svc.cluster.local');
  });

  it('applies nothing of a Gateway that does not select the proxy', () => {
    const out = translate(ingress, mesh([['other', { selector: { istio: 'egressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] }]], [bookinfoVs]));
    expect(out.Listener).toEqual([]);
    expect(out.RouteConfiguration).toEqual([]);
  });
});
