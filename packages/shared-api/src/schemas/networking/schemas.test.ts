import type { DestinationRuleSpec, GatewaySpec, HttpRoute, ServiceEntrySpec, SidecarSpec, VirtualServiceSpec } from '../../config/networking.js';
import { KINDS } from '../../config/kinds.js';
import { validateResource } from '../../config/validate.js';
import { SEMANTIC_VALIDATORS } from '../../validation/index.js';
import { SPEC_SCHEMAS } from '../index.js';
import { enumName, protoEnum } from './common.js';

type Spec = Record<string, unknown>;

function check(kind: string, spec: Spec, version = 'v1alpha3') {
  return validateResource({ apiVersion: `networking.istio.io/${version}`, kind, metadata: { name: 'x' }, spec });
}

const NETWORKING: [kind: string, versions: string[]][] = [
  ['VirtualService', ['v1alpha3', 'v1beta1', 'v1']],
  ['DestinationRule', ['v1alpha3', 'v1beta1', 'v1']],
  ['Gateway', ['v1alpha3', 'v1beta1', 'v1']],
  ['ServiceEntry', ['v1alpha3', 'v1beta1', 'v1']],
  ['Sidecar', ['v1alpha3', 'v1beta1', 'v1']],
  ['WorkloadEntry', ['v1alpha3', 'v1beta1', 'v1']],
  ['WorkloadGroup', ['v1alpha3', 'v1beta1', 'v1']],
  ['EnvoyFilter', ['v1alpha3']],
  ['ProxyConfig', ['v1beta1']],
];

describe('networking.istio.io schemas', () => {
  it.each(NETWORKING)('%s is served at %j with a schema and semantic rules', (kind, versions) => {
    const info = KINDS.find((k) => k.group === 'networking.istio.io' && k.kind === kind);
    expect(info?.versions).toEqual(versions);
    expect(SPEC_SCHEMAS[kind]).toMatchObject({ type: 'object', additionalProperties: false });
    expect(SEMANTIC_VALIDATORS[kind]).toBeInstanceOf(Function);
  });

  it.each<[string, Spec, string]>([
    ['VirtualService', { hosts: ['a'], http: [{ route: [{ destination: { host: 'a' } }], retries: { attemps: 3 } }] }, 'spec.http[0].retries.attemps'],
    ['VirtualService', { hosts: ['a'], http: [{ match: [{ uri: { prefix: '/' }, header: {} }], route: [{ destination: { host: 'a' } }] }] }, 'spec.http[0].match[0].header'],
    ['VirtualService', { hosts: ['a'], tcp: [{ route: [{ destination: { host: 'a' }, wieght: 1 }] }] }, 'spec.tcp[0].route[0].wieght'],
    ['VirtualService', { host: 'a' }, 'spec.host'],
    ['DestinationRule', { host: 'a', trafficPolicy: { connectionPool: { tcp: { maxConnection: 1 } } } }, 'spec.trafficPolicy.connectionPool.tcp.maxConnection'],
    ['DestinationRule', { host: 'a', subsets: [{ name: 'v1', label: { v: '1' } }] }, 'spec.subsets[0].label'],
    ['DestinationRule', { host: 'a', trafficPolicy: { loadBalancer: { consistentHash: { httpCookie: { name: 'a', ttl: '1s', domain: 'x' } } } } }, 'spec.trafficPolicy.loadBalancer.consistentHash.httpCookie.domain'],
    ['Gateway', { servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['*'], tls: { mode: 'SIMPLE', credentialname: 'c' } }] }, 'spec.servers[0].tls.credentialname'],
    ['ServiceEntry', { hosts: ['a.com'], ports: [{ number: 80, name: 'http', protocol: 'HTTP', targetport: 8080 }] }, 'spec.ports[0].targetport'],
    ['Sidecar', { egress: [{ hosts: ['./*'] }], outboundTrafficPolicy: { mode: 'ALLOW_ANY', egresProxy: {} } }, 'spec.outboundTrafficPolicy.egresProxy'],
    ['EnvoyFilter', { configPatches: [{ applyTo: 'CLUSTER', patch: { operation: 'REMOVE' }, math: {} }] }, 'spec.configPatches[0].math'],
    ['WorkloadEntry', { address: '1.1.1.1', serviceaccount: 'sa' }, 'spec.serviceaccount'],
  ])('%s rejects a misspelt field by name (%#)', (kind, spec, field) => {
    const r = check(kind, spec);
    expect(!r.ok && r.errors).toContainEqual({ field, message: 'unknown field (check its spelling and the apiVersion)' });
  });

  it.each<[string, Spec, string, string]>([
    ['DestinationRule', { host: 'a', trafficPolicy: { tls: { mode: 'MTLS' } } }, 'spec.trafficPolicy.tls.mode', 'must be one of DISABLE, SIMPLE, MUTUAL, ISTIO_MUTUAL (or its number, 0-3)'],
    ['DestinationRule', { host: 'a', trafficPolicy: { tls: { mode: 4 } } }, 'spec.trafficPolicy.tls.mode', 'must be one of DISABLE'],
    ['ServiceEntry', { hosts: ['a.com'], resolution: 'dns' }, 'spec.resolution', 'must be one of NONE, STATIC, DNS, DNS_ROUND_ROBIN'],
    ['VirtualService', { hosts: ['a'], http: [{ timeout: '5', route: [{ destination: { host: 'a' } }] }] }, 'spec.http[0].timeout', 'must be a duration such as "1s"'],
    ['VirtualService', { hosts: ['a'], http: [{ timeout: '1 s', route: [{ destination: { host: 'a' } }] }] }, 'spec.http[0].timeout', 'must be a duration'],
    ['VirtualService', { hosts: ['a'], http: [{ match: [{ port: 0 }], route: [{ destination: { host: 'a' } }] }] }, 'spec.http[0].match[0].port', 'must be a port number between 1 and 65535'],
    ['VirtualService', { hosts: ['a'], http: [{ route: [{ destination: { host: 'a', port: { number: '80' } } }] }] }, 'spec.http[0].route[0].destination.port.number', 'must be an integer'],
    ['ServiceEntry', { hosts: ['a.com'], endpoints: [{ address: '1.1.1.1', ports: { http: -1 } }] }, 'spec.endpoints[0].ports.http', 'must be a whole number >= 0'],
    ['DestinationRule', { host: 'a', trafficPolicy: { loadBalancer: { warmup: { minimumPercent: 5 } } } }, 'spec.trafficPolicy.loadBalancer.warmup.duration', 'required field is missing'],
  ])('%s checks types, enums, durations and ports (%#)', (kind, spec, field, message) => {
    const r = check(kind, spec);
    expect(!r.ok && r.errors).toContainEqual({ field, message: expect.stringContaining(message) });
  });

  it.each<[string, Spec]>([
    ['DestinationRule', { host: 'a', trafficPolicy: { tls: { mode: 3 }, loadBalancer: { simple: 0 } } }],
    ['ServiceEntry', { hosts: ['a.com'], location: 1, resolution: 2 }],
    ['VirtualService', { hosts: ['a'], http: [{ timeout: '1h30m', retries: { attempts: 1, perTryTimeout: '0.5s' }, route: [{ destination: { host: 'a' } }] }] }],
  ])('%s accepts enum numbers and Go durations (%#)', (kind, spec) => {
    expect(check(kind, spec)).toMatchObject({ ok: true });
  });

  it('protoEnum lists names then numbers, and enumName maps numbers back', () => {
    expect(protoEnum('A', 'B')).toEqual({ enum: ['A', 'B', 0, 1], errorMessage: 'must be one of A, B (or its number, 0-1)' });
    expect(enumName(['A', 'B'], 1)).toBe('B');
    expect(enumName(['A', 'B'], 'A')).toBe('A');
    expect(enumName(['A', 'B'], undefined)).toBeUndefined();
  });

  it('derives the TypeScript types from the schemas', () => {
    // These compile only if the types follow the schemas; the @ts-expect-error lines prove misspellings do not.
    const route: HttpRoute = { route: [{ destination: { host: 'a', subset: 'v1', port: { number: 80 } }, weight: 100 }], timeout: '1s' };
    const vs: VirtualServiceSpec = { hosts: ['a'], http: [route], exportTo: ['.'] };
    const dr: DestinationRuleSpec = { host: 'a', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' }, loadBalancer: { simple: 2 } }, subsets: [{ name: 'v1' }] };
    const gw: GatewaySpec = { servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] };
    const se: ServiceEntrySpec = { hosts: ['a.com'], resolution: 'DNS' };
    const sc: SidecarSpec = { egress: [{ hosts: ['./*'] }] };
    // @ts-expect-error `hostz` is not a VirtualService field
    const bad: VirtualServiceSpec = { hostz: [] };
    // @ts-expect-error `NOPE` is not a TLS mode
    const badMode: DestinationRuleSpec = { host: 'a', trafficPolicy: { tls: { mode: 'NOPE' } } };
    expect([vs, dr, gw, se, sc, bad, badMode]).toHaveLength(7);
  });
});
