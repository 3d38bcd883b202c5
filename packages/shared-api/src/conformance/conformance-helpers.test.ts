import { parseAllDocuments } from 'yaml';
import { classify, isInvalidFile, isIstioGroup } from './classify.js';
import { quoteGoYamlFlowScalars } from './go-yaml-compat.js';
import { KNOWN_INVALID } from './known-invalid.js';

describe('quoteGoYamlFlowScalars', () => {
  it.each([
    ['addresses: [1.2.3.4, 001:db8::]', 'addresses: [1.2.3.4, "001:db8::"]'],
    ['a: [x:, y]', 'a: ["x:", y]'],
    ['a: [b, c]', 'a: [b, c]'],
    ['a: [b: c]', 'a: [b: c]'],
    ['a: ["q:", \'r:\']', 'a: ["q:", \'r:\']'],
    ['url: http://x', 'url: http://x'],
  ])('%p → %p', (input, output) => {
    expect(quoteGoYamlFlowScalars(input)).toBe(output);
  });

  it('makes YAML read an IPv6 address in a flow sequence as a string, as go-yaml does', () => {
    const [doc] = parseAllDocuments(quoteGoYamlFlowScalars('addresses: [1.2.3.4, 001:db8::]'));
    expect(doc!.toJS()).toEqual({ addresses: ['1.2.3.4', '001:db8::'] });
  });
});

describe('classify', () => {
  const vs = { apiVersion: 'networking.istio.io/v1alpha3', kind: 'VirtualService', metadata: { name: 'r' } };
  it.each([
    ['bookinfo.yaml', vs, { kind: 'accept', label: 'networking.istio.io/v1alpha3 VirtualService/r' }],
    ['validation-1.4-networking-v1alpha3-virtualservice-invalid.yaml', vs, { kind: 'reject' }],
    ['validation-crd-latest-serviceentry-invalid.yaml', vs, { kind: 'reject' }],
    ['validation-latest-networking-v1-virtualservice.yaml', vs, { kind: 'accept' }],
    ['x.yaml', { apiVersion: 'v1', kind: 'Pod' }, { kind: 'skip', label: 'v1 Pod' }],
    ['x.yaml', { kind: 'Pod' }, { kind: 'skip', label: '(no apiVersion) Pod' }],
    ['x.yaml', { mixerCheckServer: 'x' }, { kind: 'skip', label: '(no kind)' }],
    ['x.yaml', 'text', { kind: 'skip' }],
    ['analyzer-1.4-virtualservice-gateways.yaml', { ...vs, metadata: { name: 'httpbin' } }, { kind: 'known-invalid', expect: { field: 'spec' } }],
    [
      'validation-1.4-config-v1alpha2-rule-invalid.yaml',
      { apiVersion: 'config.istio.io/v1alpha2', kind: 'handler', metadata: { name: 'handler-for-invalid-rule' } },
      { kind: 'accept', supporting: 'the handler the invalid rule refers to' },
    ],
  ])('%s %j', (file, doc, want) => {
    expect(classify(file, doc)).toMatchObject(want);
  });

  it('knows the invalid files and the Istio groups', () => {
    expect(isInvalidFile('validation-1.4-rbac-v1alpha1-servicerole-invalid.yaml')).toBe(true);
    expect(isInvalidFile('validation-1.4-rbac-v1alpha1-servicerole-valid.yaml')).toBe(false);
    expect(isIstioGroup('config.istio.io/v1alpha2')).toBe(true);
    expect(isIstioGroup('apps/v1')).toBe(false);
    expect(isIstioGroup('v1')).toBe(false);
  });

  it('lists only analyzer fixtures, and the one sample Kubernetes itself refuses, as known invalid', () => {
    const others = [...KNOWN_INVALID.keys()].filter((k) => !k.startsWith('analyzer-1.4-'));
    expect(others).toEqual(['mixer-operatorconfig-cloudwatch-cloudwatch.yaml#cloudwatch/hndlrTest']);
  });
});
