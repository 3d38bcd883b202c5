import { injectionDecision, namespaceInjection } from './injection-policy.js';
import type { PodTemplate } from './kube-types.js';

const pod = (annotations?: Record<string, string>, extra: Partial<PodTemplate['spec']> = {}): PodTemplate => ({
  metadata: { name: 'p', annotations },
  spec: { containers: [{ name: 'app', image: 'app:1' }], ...extra },
});

describe('injectionDecision', () => {
  it.each([
    ['enabled', undefined, true],
    ['enabled', { 'sidecar.istio.io/inject': 'false' }, false],
    ['enabled', { 'sidecar.istio.io/inject': 'no' }, false],
    ['enabled', { 'sidecar.istio.io/inject': 'true' }, true],
    ['unlabelled', undefined, false],
    ['unlabelled', { 'sidecar.istio.io/inject': 'true' }, true],
    ['unlabelled', { 'sidecar.istio.io/inject': 'yes' }, true],
    ['disabled', { 'sidecar.istio.io/inject': 'true' }, false],
    ['enabled', { 'sidecar.istio.io/inject': 'maybe' }, true],
  ] as const)('namespace %s with annotations %j: inject %s', (ns, annotations, expected) => {
    expect(injectionDecision(pod(annotations), ns).inject).toBe(expected);
  });

  it('leaves an injected pod and a host-network pod alone, saying why', () => {
    expect(injectionDecision(pod({ 'sidecar.istio.io/status': '{}' }), 'enabled')).toEqual({ inject: false, reason: 'already injected' });
    expect(injectionDecision({ spec: { containers: [{ name: 'istio-proxy' }] } }, 'enabled')).toEqual({ inject: false, reason: 'already injected' });
    expect(injectionDecision(pod(undefined, { hostNetwork: true }), 'enabled')).toMatchObject({ inject: false, reason: expect.stringContaining('hostNetwork') });
  });

  it('reads the namespace label', () => {
    expect(namespaceInjection({ 'istio-injection': 'enabled' })).toBe('enabled');
    expect(namespaceInjection({ 'istio-injection': 'disabled' })).toBe('disabled');
    expect(namespaceInjection({ team: 'a' })).toBe('unlabelled');
    expect(namespaceInjection(undefined)).toBe('unlabelled');
  });
});
