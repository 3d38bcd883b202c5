import fs from 'node:fs';
import path from 'node:path';
import type { ConfigResource } from '@mesh/shared-api';
import { pilotKindByName } from '../../model/kinds.js';
import { DEFAULT_MESH_SETTINGS } from '../../model/mesh-settings.js';
import type { Proxy } from '../../model/proxy.js';
import { conformanceDir, readYamlDocuments } from '../../testing/conformance.js';
import { config, golden, named, translate, wireProblems, workload } from '../../testing/translate-fixtures.js';
import { buildMeshIndex } from '../mesh-index.js';
import type { ConfigLists } from '../mesh-index.js';
import type { XdsResource } from '../resources.js';
import { authorizationFilters } from './authz-filters.js';
import { isRbacEnabled } from './rbac-v1alpha1.js';

/** Our v3 output in the proto-JSON form Istio's testdata uses (camelCase, wrappers unwrapped, RE2 regexes as `regex`). */
function protoJson(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(protoJson);
  if (typeof v !== 'object' || v === null) return v;
  const o = v as Record<string, unknown>;
  if ('safe_regex' in o && typeof o['safe_regex'] === 'object') return { regex: (o['safe_regex'] as { regex: string }).regex };
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(o)) {
    const key = k.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
    out[key] = k === 'prefix_len' ? (val as { value: number }).value : k === 'policies' ? Object.fromEntries(Object.entries(val as object).map(([n, p]) => [n, protoJson(p)])) : protoJson(val);
  }
  return out;
}

/** The workload of Istio's builder tests: httpbin v1 in namespace foo. */
const httpbin: Proxy = {
  id: 'sidecar~10.0.0.1~httpbin-v1.foo~foo.svc.cluster.local',
  type: 'sidecar',
  namespace: 'foo',
  labels: { app: 'httpbin', version: 'v1' },
  workloadName: 'httpbin-v1',
  serviceAccount: 'httpbin',
  ip: '10.0.0.1',
  serviceHostname: 'httpbin.foo.svc.cluster.local',
  serviceName: 'httpbin',
  ports: [],
};

function indexOf(docs: ConfigResource[]): ReturnType<typeof buildMeshIndex> {
  const configs: Record<string, ConfigResource[]> = {};
  for (const d of docs) {
    const kind = pilotKindByName(d.apiVersion, d.kind);
    if (kind) (configs[kind] ??= []).push(d);
  }
  return buildMeshIndex({ settings: DEFAULT_MESH_SETTINGS, services: [], endpoints: [], configs: configs as ConfigLists });
}

const rulesOf = (filters: XdsResource[]): unknown => (filters[0]?.['typed_config'] as { rules?: unknown } | undefined)?.rules;

const dir = conformanceDir();
// Trust-domain alias cases depend on the Go test's trust domain settings (td1 and its aliases).
const cases = dir
  ? fs
      .readdirSync(dir)
      .filter((f) => /^authz-builder-1\.4-.*v1alpha1.*-in\.yaml$/.test(f) && !f.includes('td-aliases'))
      .filter((f) => !fs.readFileSync(path.join(dir, f.replace(/-in\.yaml$/, '-out.yaml')), 'utf8').includes('td1/'))
      .map((f) => [f.replace(/-in\.yaml$/, '')])
  : [];

describe('v1alpha1 RBAC (ServiceRole / ServiceRoleBinding / ClusterRbacConfig) against Istio 1.4 builder testdata', () => {
  it('finds the corpus', () => {
    expect(cases.length).toBeGreaterThanOrEqual(3);
  });

  it.each(cases)('%s', (name) => {
    const docs = readYamlDocuments(path.join(dir!, `${name}-in.yaml`)) as ConfigResource[];
    const [expected] = readYamlDocuments(path.join(dir!, `${name}-out.yaml`)) as { rules: unknown }[];
    expect(protoJson(rulesOf(authorizationFilters(indexOf(docs), httpbin, false)))).toEqual(expected!.rules);
  });
});

const meta = (kind: string, name: string, spec: Record<string, unknown>, namespace = 'foo'): ConfigResource => ({ apiVersion: 'rbac.istio.io/v1alpha1', kind, metadata: { name, namespace }, spec });
const role = meta('ServiceRole', 'viewer', { rules: [{ services: ['httpbin.foo.svc.cluster.local'], methods: ['GET'], paths: ['/api/*'] }, { services: ['other.foo.svc.cluster.local'], methods: ['DELETE'] }, { services: ['*'], ports: [3306], constraints: [{ key: 'destination.labels[version]', values: ['v1'] }] }] });
const binding = meta('ServiceRoleBinding', 'bind-viewer', { subjects: [{ user: 'cluster.local/ns/default/sa/sleep' }, { namespaces: ['trusted'] }, { group: 'admins' }], roleRef: { kind: 'ServiceRole', name: 'viewer' } });
const permissive = meta('ServiceRoleBinding', 'bind-viewer-canary', { subjects: [{ user: '*' }], roleRef: { kind: 'ServiceRole', name: 'viewer' }, mode: 'PERMISSIVE' });
const cluster = (spec: Record<string, unknown>) => meta('ClusterRbacConfig', 'default', spec, 'istio-system');

/** Golden cases: the whole RBAC filter (HTTP and TCP) of httpbin for each ClusterRbacConfig mode. */
const goldenCases: [string, ConfigResource[]][] = [
  ['v1alpha1-mode-on', [cluster({ mode: 'ON' }), role, binding, permissive]],
  ['v1alpha1-mode-on-no-roles', [cluster({ mode: 'ON' })]],
  ['v1alpha1-mode-on-with-inclusion-service', [cluster({ mode: 'ON_WITH_INCLUSION', inclusion: { services: ['httpbin.foo.svc.cluster.local'] } }), role, binding]],
  ['v1alpha1-mode-on-permissive', [cluster({ mode: 'ON', enforcementMode: 'PERMISSIVE' }), role, binding]],
];

describe('v1alpha1 RBAC filters (golden)', () => {
  const TESTDATA = path.join(__dirname, '..', 'testdata', 'security');

  it.each(goldenCases)('%s', (name, docs) => {
    const index = indexOf(docs);
    const { expected, actual } = golden(TESTDATA, name, { http: authorizationFilters(index, httpbin, false), tcp: authorizationFilters(index, httpbin, true) });
    expect(actual).toEqual(expected);
  });

  it('puts nothing on the workload when the mode is OFF, or when the service is excluded or not included', () => {
    for (const spec of [{ mode: 'OFF' }, { mode: 'ON_WITH_EXCLUSION', exclusion: { namespaces: ['foo'] } }, { mode: 'ON_WITH_INCLUSION', inclusion: { namespaces: ['bar'] } }]) {
      expect(authorizationFilters(indexOf([cluster(spec), role, binding]), httpbin, false)).toEqual([]);
    }
  });

  it.each([
    [{ mode: 'ON' }, true],
    [{ mode: 'OFF' }, false],
    [{}, false],
    [{ mode: 'ON_WITH_INCLUSION', inclusion: { namespaces: ['foo'] } }, true],
    [{ mode: 'ON_WITH_INCLUSION', inclusion: { services: ['httpbin.foo.svc.cluster.local'] } }, true],
    [{ mode: 'ON_WITH_EXCLUSION', exclusion: { services: ['other.foo.svc.cluster.local'] } }, true],
    [{ mode: 'ON_WITH_EXCLUSION', exclusion: { services: ['httpbin.foo.svc.cluster.local'] } }, false],
    [{ mode: 2, inclusion: { namespaces: ['foo'] } }, true],
  ])('isRbacEnabled(%j) is %s for httpbin.foo', (spec, enabled) => {
    expect(isRbacEnabled(cluster(spec) as ConfigResource<object>, 'httpbin.foo.svc.cluster.local', 'foo')).toBe(enabled);
  });

  it('lets a v1beta1 AuthorizationPolicy selecting the workload override v1alpha1', () => {
    const ap: ConfigResource = { apiVersion: 'security.istio.io/v1beta1', kind: 'AuthorizationPolicy', metadata: { name: 'ap', namespace: 'foo' }, spec: { selector: { matchLabels: { app: 'httpbin' } }, rules: [{}] } };
    const filters = authorizationFilters(indexOf([cluster({ mode: 'ON' }), role, binding, ap]), httpbin, false);
    expect(Object.keys((rulesOf(filters) as { policies: object }).policies)).toEqual(['ns[foo]-policy[ap]-rule[0]']);
  });
});

describe('v1alpha1 RBAC on the inbound listener', () => {
  const bin = workload({ name: 'httpbin-v1', app: 'httpbin', version: 'v1', ip: '10.1.5.1', namespace: 'foo', ports: [{ name: 'http', port: 8000, endpointPort: 15006, targetPort: 80, protocol: 'HTTP' }, { name: 'tcp', port: 9000, endpointPort: 15007, targetPort: 9000, protocol: 'TCP' }] });
  const fixture = {
    workloads: [bin],
    configs: [
      config('ClusterRbacConfig', 'default', { mode: 'ON_WITH_INCLUSION', inclusion: { namespaces: ['foo'] } }, 'istio-system'),
      config('ServiceRole', 'viewer', { rules: [{ services: ['*'], methods: ['GET'] }, { services: ['*'], ports: [9000] }] }, 'foo'),
      config('ServiceRoleBinding', 'bind', { subjects: [{ user: 'cluster.local/ns/default/sa/sleep' }], roleRef: { kind: 'ServiceRole', name: 'viewer' } }, 'foo'),
    ],
  };

  it('puts istio_authn and the RBAC filter on HTTP ports and the network RBAC filter on TCP ports, encodable as xDS', () => {
    const out = translate(bin, fixture);
    expect(wireProblems(out)).toEqual([]);
    const chains = named(out.Listener, 'virtualInbound')['filter_chains'] as XdsResource[];
    const names = chains.map((c) => (c['filters'] as XdsResource[]).map((f) => [f['name'], ...((f['typed_config'] as { http_filters?: { name: string }[] }).http_filters?.map((h) => h.name) ?? [])]));
    expect(names).toContainEqual([['envoy.filters.network.http_connection_manager', 'istio_authn', 'envoy.filters.http.rbac', 'envoy.filters.http.cors', 'envoy.filters.http.fault', 'envoy.filters.http.router']]);
    expect(names).toContainEqual([['envoy.filters.network.rbac'], ['envoy.filters.network.tcp_proxy']]);
  });
});
