import { decodeRegistryEntry, isRegistryPublisherId, registryPublisherId, registryServiceKey, registryWorkloadKey } from './mesh-registry.js';

const service = { hostname: 'reviews.default.svc.cluster.local', name: 'reviews', namespace: 'default', ports: [{ name: 'http', port: 9080, protocol: 'HTTP' }], source: 'kubernetes' };
const workload = { name: 'reviews-v1-abc', namespace: 'default', labels: { app: 'reviews', version: 'v1' }, addresses: ['10.0.0.7'], services: [], source: 'kubernetes' };

describe('mesh registry keys', () => {
  it('keeps a hostname as dot-separated tokens and flattens a workload id into one token', () => {
    expect(registryServiceKey('pilot-a', 'reviews.default.svc.cluster.local')).toBe('svc.pilot-a.reviews.default.svc.cluster.local');
    expect(registryWorkloadKey('pilot-a', 'default', 'sidecar~10.0.0.7~x')).toBe('wl.pilot-a.default.sidecar_10_0_0_7_x');
  });

  it.each([
    ['Pilot@Host 12', 'pilot-host-12'],
    ['--', 'publisher'],
    ['a'.repeat(80), 'a'.repeat(63)],
  ])('turns %j into the publisher id %j', (text, id) => {
    expect(registryPublisherId(text)).toBe(id);
    expect(isRegistryPublisherId(id)).toBe(true);
  });
});

describe('decodeRegistryEntry', () => {
  it('decodes a service and a workload by their key', () => {
    expect(decodeRegistryEntry('svc.p.reviews.default.svc.cluster.local', service)).toEqual({ type: 'service', publisher: 'p', value: service });
    expect(decodeRegistryEntry('wl.p.default.reviews-v1', workload)).toEqual({ type: 'workload', publisher: 'p', value: workload });
  });

  it.each([
    ['an unknown key type', 'other.p.x', service, /is not svc/],
    ['a key without a hostname', 'svc.p', service, /is not svc/],
    ['a value that is not an object', 'svc.p.h', 'text', /not a JSON object/],
    ['a port that is not a number', 'svc.p.h', { ...service, ports: [{ port: 'http' }] }, /ports\[0\]\.port/],
    ['a selector with a number', 'svc.p.h', { ...service, selector: { app: 1 } }, /selector/],
    ['a workload without labels', 'wl.p.default.w', { ...workload, labels: null }, /labels/],
    ['a workload with a numeric service', 'wl.p.default.w', { ...workload, services: [1] }, /services/],
  ])('refuses %s', (_what, key, value, reason) => {
    const entry = decodeRegistryEntry(key, value);
    expect(entry.type).toBe('invalid');
    expect(entry.type === 'invalid' && entry.reason).toMatch(reason);
  });
});
