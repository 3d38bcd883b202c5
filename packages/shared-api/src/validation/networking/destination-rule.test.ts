import { validateResource } from '../../config/validate.js';

type Spec = Record<string, unknown>;

function dr(spec: Spec, version = 'v1alpha3') {
  return validateResource({ apiVersion: `networking.istio.io/${version}`, kind: 'DestinationRule', metadata: { name: 'reviews' }, spec });
}

const policy = (trafficPolicy: Spec) => ({ host: 'reviews', trafficPolicy });

describe('DestinationRule rules', () => {
  it.each<[string, Spec, string, string]>([
    ['22: host must be a domain', { host: 'reviews_v1' }, 'spec.host', 'is not a valid DNS name'],
    ['22: host wildcard only as a prefix', { host: 'a.*.com' }, 'spec.host', 'only in the first label'],
    ['23: an empty trafficPolicy', policy({}), 'spec.trafficPolicy', 'must set at least one field'],
    ['23: an empty subset trafficPolicy', { host: 'a', subsets: [{ name: 'v1', labels: { v: '1' }, trafficPolicy: {} }] }, 'spec.subsets[0].trafficPolicy', 'at least one field'],
    ['23: portLevelSettings without a port', policy({ portLevelSettings: [{ tls: { mode: 'SIMPLE' } }] }), 'spec.trafficPolicy.portLevelSettings[0].port', 'needs port.number'],
    ['23: portLevelSettings without settings', policy({ portLevelSettings: [{ port: { number: 80 } }] }), 'spec.trafficPolicy.portLevelSettings[0]', 'at least one of loadBalancer'],
    ['23: connectionPool without http or tcp', policy({ connectionPool: {} }), 'spec.trafficPolicy.connectionPool', 'must set http or tcp'],
    ['23: a negative limit', policy({ connectionPool: { tcp: { maxConnections: -1 } } }), 'spec.trafficPolicy.connectionPool.tcp.maxConnections', 'must be >= 0 (it is -1)'],
    ['23: a negative http limit', policy({ connectionPool: { http: { http2MaxRequests: -5 } } }), 'spec.trafficPolicy.connectionPool.http.http2MaxRequests', 'must be >= 0'],
    ['12: connectTimeout below 1ms', policy({ connectionPool: { tcp: { connectTimeout: '100us' } } }), 'spec.trafficPolicy.connectionPool.tcp.connectTimeout', 'at least 1ms'],
    ['12: http idleTimeout not whole ms', policy({ connectionPool: { http: { idleTimeout: '1.5ms' } } }), 'spec.trafficPolicy.connectionPool.http.idleTimeout', 'whole number of milliseconds'],
    ['12: baseEjectionTime not whole ms', policy({ outlierDetection: { baseEjectionTime: '30.0001s' } }), 'spec.trafficPolicy.outlierDetection.baseEjectionTime', 'whole number of milliseconds'],
    ['12: interval below 1ms', policy({ outlierDetection: { interval: '0s' } }), 'spec.trafficPolicy.outlierDetection.interval', 'at least 1ms'],
    ['24: negative consecutiveErrors', policy({ outlierDetection: { consecutiveErrors: -1 } }), 'spec.trafficPolicy.outlierDetection.consecutiveErrors', 'cannot be negative'],
    ['24: maxEjectionPercent above 100', policy({ outlierDetection: { maxEjectionPercent: 101 } }), 'spec.trafficPolicy.outlierDetection.maxEjectionPercent', 'within 0-100'],
    ['24: minHealthPercent negative', policy({ outlierDetection: { minHealthPercent: -1 } }), 'spec.trafficPolicy.outlierDetection.minHealthPercent', 'within 0-100'],
    ['25: a cookie hash needs a name', policy({ loadBalancer: { consistentHash: { httpCookie: { ttl: '0s' } } } }), 'spec.trafficPolicy.loadBalancer.consistentHash.httpCookie.name', 'needs the cookie name'],
    ['25: a cookie hash needs a ttl (1.4)', policy({ loadBalancer: { consistentHash: { httpCookie: { name: 'user' } } } }), 'spec.trafficPolicy.loadBalancer.consistentHash.httpCookie.ttl', 'needs a ttl'],
    ['25: maglev tableSize not prime', policy({ loadBalancer: { consistentHash: { useSourceIp: true, maglev: { tableSize: 1000 } } } }), 'spec.trafficPolicy.loadBalancer.consistentHash.maglev.tableSize', 'prime number below 5000011'],
    ['25: maglev tableSize too big', policy({ loadBalancer: { consistentHash: { useSourceIp: true, maglev: { tableSize: 5000011 } } } }), 'spec.trafficPolicy.loadBalancer.consistentHash.maglev.tableSize', 'below 5000011'],
    ['25: minimumRingSize with ringHash', policy({ loadBalancer: { consistentHash: { useSourceIp: true, minimumRingSize: 10, ringHash: { minimumRingSize: 10 } } } }), 'spec.trafficPolicy.loadBalancer.consistentHash.minimumRingSize', 'cannot be combined with ringHash or maglev'],
    ['25: ringHash with maglev', policy({ loadBalancer: { consistentHash: { useSourceIp: true, ringHash: {}, maglev: {} } } }), 'spec.trafficPolicy.loadBalancer.consistentHash', 'only one of ringHash and maglev'],
    ['25: two hash keys', policy({ loadBalancer: { consistentHash: { useSourceIp: true, httpHeaderName: 'x' } } }), 'spec.trafficPolicy.loadBalancer.consistentHash', 'only one hash key'],
    ['25: simple with consistentHash', policy({ loadBalancer: { simple: 'RANDOM', consistentHash: { useSourceIp: true } } }), 'spec.trafficPolicy.loadBalancer', 'only one of simple and consistentHash'],
    ['26: MUTUAL without a client certificate', policy({ tls: { mode: 'MUTUAL', privateKey: '/k' } }), 'spec.trafficPolicy.tls.clientCertificate', 'needs clientCertificate'],
    ['26: MUTUAL (as a number) without a key', policy({ tls: { mode: 2, clientCertificate: '/c' } }), 'spec.trafficPolicy.tls.privateKey', 'needs privateKey'],
    ['26: port-level MUTUAL', policy({ portLevelSettings: [{ port: { number: 443 }, tls: { mode: 'MUTUAL' } }] }), 'spec.trafficPolicy.portLevelSettings[0].tls.clientCertificate', 'needs clientCertificate'],
    ['27: subset name not a DNS label', { host: 'a', subsets: [{ name: 'V1', labels: { v: '1' } }] }, 'spec.subsets[0].name', 'DNS-1123 label'],
    ['27: empty subset name', { host: 'a', subsets: [{ name: '', labels: { v: '1' } }] }, 'spec.subsets[0].name', 'needs a name'],
    ['27: subset label key', { host: 'a', subsets: [{ name: 'v1', labels: { '-bad': '1' } }] }, 'spec.subsets[0].labels["-bad"]', 'invalid label key'],
    ['27: subset label value', { host: 'a', subsets: [{ name: 'v1', labels: { version: 'v 1' } }] }, 'spec.subsets[0].labels.version', 'invalid label value'],
  ])('rule %s', (_name, spec, field, message) => {
    const r = dr(spec);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors).toContainEqual({ field, message: expect.stringContaining(message) });
  });

  const locality = (localityLbSetting: Spec) => policy({ loadBalancer: { localityLbSetting } });
  const lbPath = 'spec.trafficPolicy.loadBalancer.localityLbSetting';
  it.each<[string, Spec, string, string]>([
    ['distribute with failover', { distribute: [{ from: 'a', to: { b: 100 } }], failover: [{ from: 'a', to: 'b' }] }, lbPath, 'distribute and failover cannot both be set'],
    ['a weight of 0', { distribute: [{ from: 'a', to: { b: 100, c: 0 } }] }, `${lbPath}.distribute[0].to.c`, 'at least 1'],
    ['weights not totalling 100', { distribute: [{ from: 'a', to: { b: 60, c: 30 } }] }, `${lbPath}.distribute[0].to`, 'must total 100 (they total 90)'],
    ['failover to the same region', { failover: [{ from: 'us-east', to: 'us-east' }] }, `${lbPath}.failover[0]`, 'must be different regions'],
    ['failover to a wildcard', { failover: [{ from: 'us-east', to: 'us-*' }] }, `${lbPath}.failover[0].to`, 'cannot contain the wildcard'],
    ['a wildcard in the middle', { distribute: [{ from: 'us/*/z', to: { b: 100 } }] }, `${lbPath}.distribute`, 'may appear once, at the end'],
    ['an empty zone', { distribute: [{ from: 'us//z', to: { b: 100 } }] }, `${lbPath}.distribute`, 'empty region, zone or subzone'],
    ['overlapping localities', { distribute: [{ from: 'us/z1', to: { b: 100 } }, { from: 'us/*', to: { b: 100 } }] }, `${lbPath}.distribute`, 'overlaps one listed before it'],
    ['a region then its zone', { distribute: [{ from: 'us', to: { b: 100 } }, { from: 'us/z1', to: { b: 100 } }] }, `${lbPath}.distribute`, 'overlaps'],
  ])('rule 28: rejects %s', (_name, setting, field, message) => {
    const r = dr(locality(setting));
    expect(!r.ok && r.errors).toContainEqual({ field, message: expect.stringContaining(message) });
  });

  it.each<[string, Spec]>([
    ['a wildcard host and labelled subsets', { host: '*.example.com', subsets: [{ name: 'v1', labels: { version: 'v1' } }] }],
    ['every traffic policy part', policy({
      loadBalancer: { simple: 'LEAST_REQUEST', localityLbSetting: { distribute: [{ from: 'us/z1/*', to: { 'us/z1/*': 80, 'us/z2/*': 20 } }, { from: 'eu/*', to: { 'eu/*': 100 } }] } },
      connectionPool: { tcp: { maxConnections: 100, connectTimeout: '30ms', tcpKeepalive: { time: '7200s', interval: '75s' } }, http: { http2MaxRequests: 1000, h2UpgradePolicy: 'UPGRADE' } },
      outlierDetection: { consecutive5xxErrors: 7, interval: '5m', baseEjectionTime: '15m', maxEjectionPercent: 100 },
      tls: { mode: 'MUTUAL', credentialName: 'client-cert' },
      portLevelSettings: [{ port: { number: 80 }, loadBalancer: { simple: 4 } }],
      tunnel: { protocol: 'CONNECT', targetHost: 'a.com', targetPort: 8443 },
    })],
    ['a cookie hash with ttl "0s"', policy({ loadBalancer: { consistentHash: { httpCookie: { name: 'u', ttl: '0s' }, maglev: { tableSize: 65537 } } } })],
    ['failover between regions', locality({ failover: [{ from: 'us-east', to: 'eu-west' }], enabled: true })],
  ])('accepts %s', (_name, spec) => {
    expect(dr(spec)).toMatchObject({ ok: true });
  });

  it.each<[string, Spec, string]>([
    ['a subset without labels', { host: 'a', subsets: [{ name: 'all' }] }, 'spec.subsets[0].labels: subset "all" has no labels'],
    ['a duplicate subset', { host: 'a', subsets: [{ name: 'v1', labels: { v: '1' } }, { name: 'v1', labels: { v: '2' } }] }, 'spec.subsets[1].name: subset "v1" is defined twice'],
    ['consecutiveErrors', policy({ outlierDetection: { consecutiveErrors: 5 } }), 'consecutiveErrors: deprecated'],
    ['top-level minimumRingSize', policy({ loadBalancer: { consistentHash: { useSourceIp: true, minimumRingSize: 1024 } } }), 'minimumRingSize: deprecated'],
  ])('warns about %s', (_name, spec, warning) => {
    const r = dr(spec);
    expect(r.ok && r.warnings).toContainEqual(expect.stringContaining(warning));
  });
});
