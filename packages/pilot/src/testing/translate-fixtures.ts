import fs from 'node:fs';
import path from 'node:path';
import { messageNameOf, packAny, TypeUrls, XDS_PUSH_ORDER, xdsRoot } from '@mesh/shared-api';
import type { ConfigResource, WorkloadMetadata } from '@mesh/shared-api';
import type protobuf from 'protobufjs';
import type { PilotKind, PilotKindSpecs } from '../model/kinds.js';
import { DEFAULT_MESH_SETTINGS } from '../model/mesh-settings.js';
import type { MeshSettings } from '../model/mesh-settings.js';
import { proxyFromMetadata } from '../model/proxy.js';
import type { Proxy, ProxyType } from '../model/proxy.js';
import type { Service, ServiceEndpoint } from '../model/service.js';
import { WorkloadRegistry } from '../registry/workload-registry.js';
import { generateResources } from '../translate/generate.js';
import { buildMeshIndex } from '../translate/mesh-index.js';
import type { ConfigLists, MeshIndex } from '../translate/mesh-index.js';
import type { GeneratedResources, XdsResource } from '../translate/resources.js';
import { decodeResource } from '../xds/decode-resource.js';
import { ensureExtensionProtos } from '../xds/extension-protos.js';
import { buildSnapshot, snapshotInconsistencies } from '../xds/snapshot.js';

/** The domain every fixture uses. */
export const DOMAIN = 'cluster.local';

/** Options of {@link workload}. */
export interface WorkloadOptions {
  name: string;
  app: string;
  version?: string;
  ip: string;
  namespace?: string;
  ports?: { name: string; port: number; endpointPort: number; targetPort: number; protocol: WorkloadMetadata['MESH_PORTS'][number]['protocol'] }[];
  labels?: Record<string, string>;
  serviceAccount?: string;
  type?: ProxyType;
}

/** A proxy as a sidecar would describe itself in node metadata. */
export function workload(o: WorkloadOptions): Proxy {
  const ns = o.namespace ?? 'default';
  const meta: WorkloadMetadata = {
    NAMESPACE: ns,
    LABELS: { app: o.app, ...(o.version ? { version: o.version } : {}), ...o.labels },
    SERVICE_ACCOUNT: o.serviceAccount ?? o.app,
    INSTANCE_IPS: o.ip,
    WORKLOAD_NAME: o.name,
    MESH_SERVICE: o.type === 'router' ? '' : o.app,
    MESH_PORTS: o.ports ?? [{ name: 'http', port: 80, endpointPort: 15006, targetPort: 8080, protocol: 'HTTP' }],
  };
  return proxyFromMetadata(`${o.type ?? 'sidecar'}~${o.ip}~${o.name}.${ns}~${ns}.svc.${DOMAIN}`, meta, DOMAIN, o.type ?? 'sidecar');
}

/** A config object of one kind, created at `created` (older objects win conflicts). */
export function config<K extends PilotKind>(kind: K, name: string, spec: PilotKindSpecs[K], namespace = 'default', created = '2024-01-01T00:00:00Z'): ConfigResource<PilotKindSpecs[K]> {
  const group = ['PeerAuthentication', 'RequestAuthentication', 'AuthorizationPolicy'].includes(kind) ? 'security.istio.io/v1beta1' : ['Policy', 'MeshPolicy'].includes(kind) ? 'authentication.istio.io/v1alpha1' : 'networking.istio.io/v1alpha3';
  return { apiVersion: group, kind, metadata: { name, ...(kind === 'MeshPolicy' ? {} : { namespace }), creationTimestamp: created }, spec };
}

/** What a translation fixture is made of. */
export interface MeshFixture {
  /** Registered sidecars (their services and endpoints come from the workload registry). */
  workloads?: Proxy[];
  /** Services and endpoints from other registries (ServiceEntry, Kubernetes). */
  services?: Service[];
  endpoints?: ServiceEndpoint[];
  configs?: ConfigResource<object>[];
  settings?: Partial<MeshSettings>;
  jwks?: Record<string, string>;
}

/** Builds the index a fixture describes, through the real workload registry. */
export function fixtureIndex(f: MeshFixture): MeshIndex {
  const registry = new WorkloadRegistry();
  (f.workloads ?? []).forEach((w, i) => registry.register(`w${String(i).padStart(3, '0')}`, w));
  const byHost = new Map<string, Service>();
  for (const s of [...registry.services(), ...(f.services ?? [])]) if (!byHost.has(s.hostname)) byHost.set(s.hostname, s);
  const services = [...byHost.values()].sort((a, b) => (a.hostname < b.hostname ? -1 : 1));
  const endpoints = [...registry.services().flatMap((s) => registry.endpoints(s.hostname)), ...(f.endpoints ?? [])];
  const configs: Record<string, ConfigResource<object>[]> = {};
  for (const c of f.configs ?? []) (configs[c.kind] ??= []).push(c);
  for (const list of Object.values(configs)) list.sort((a, b) => ((a.metadata.creationTimestamp ?? '') < (b.metadata.creationTimestamp ?? '') ? -1 : 1));
  return buildMeshIndex({
    settings: { ...DEFAULT_MESH_SETTINGS, ...f.settings },
    services,
    endpoints,
    configs: configs as ConfigLists,
    ...(f.jwks ? { jwks: new Map(Object.entries(f.jwks)) } : {}),
  });
}

/** Translates a fixture for one proxy. */
export function translate(proxy: Proxy, f: MeshFixture): GeneratedResources {
  return generateResources(fixtureIndex(f), proxy);
}

/**
 * The golden file `<dir>/<name>.json` and `actual` in comparable (JSON) form; with
 * `UPDATE_GOLDEN=1` the file is (re)written from `actual` first.
 */
export function golden(dir: string, name: string, actual: unknown): { expected: unknown; actual: unknown } {
  const file = path.join(dir, `${name}.json`);
  const text = JSON.stringify(actual, null, 2) + '\n';
  if (process.env['UPDATE_GOLDEN']) fs.writeFileSync(file, text);
  const expected: unknown = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : { missingGoldenFile: file };
  return { expected, actual: JSON.parse(text) };
}

/** Field names protobufjs would silently drop: every key must be a field of the message type. */
export function unknownFields(type: protobuf.Type, obj: Record<string, unknown>, at: string): string[] {
  ensureExtensionProtos();
  const out: string[] = [];
  for (const [k, v] of Object.entries(obj)) {
    if (k === '@type') continue;
    const field = type.fields[k];
    if (!field) {
      out.push(`${at}.${k}`);
      continue;
    }
    field.resolve();
    const ft = field.resolvedType;
    const items = field.map ? Object.values(v as object) : Array.isArray(v) ? v : [v];
    for (const [i, item] of items.entries()) {
      if (typeof item !== 'object' || item === null || !ft || !('fields' in ft)) continue;
      let t = ft as protobuf.Type;
      const rec = item as Record<string, unknown>;
      if (t.fullName === '.google.protobuf.Any') {
        if (typeof rec['@type'] !== 'string') {
          out.push(`${at}.${k}: an Any without @type`);
          continue;
        }
        try {
          t = xdsRoot().lookupType(messageNameOf(rec['@type']));
        } catch {
          out.push(`${at}.${k}: unknown type ${rec['@type']}`);
          continue;
        }
      }
      if (t.fullName.startsWith('.google.protobuf.')) continue;
      out.push(...unknownFields(t, rec, `${at}.${k}${Array.isArray(v) || field.map ? `[${i}]` : ''}`));
    }
  }
  return out;
}

/** Checks what Envoy and protobufjs would: real fields only, resources that encode and decode, a consistent snapshot. */
export function wireProblems(generated: GeneratedResources): string[] {
  const problems: string[] = [];
  for (const type of XDS_PUSH_ORDER) {
    const msg = xdsRoot().lookupType(messageNameOf(TypeUrls[type]));
    for (const r of generated[type]) {
      problems.push(...unknownFields(msg, r, `${type} ${String(r['name'] ?? r['cluster_name'])}`));
      const decoded = decodeResource(packAny(TypeUrls[type], r));
      if (decoded['@type'] !== TypeUrls[type]) problems.push(`${type}: did not decode`);
    }
  }
  problems.push(...snapshotInconsistencies(buildSnapshot(generated, 0)));
  return problems;
}

/** One resource by name from a generated type. */
export function named(list: readonly XdsResource[], name: string): XdsResource {
  const r = list.find((x) => x['name'] === name || x['cluster_name'] === name);
  if (!r) throw new Error(`no resource ${name} among ${list.map((x) => String(x['name'] ?? x['cluster_name'])).join(', ')}`);
  return r;
}

/** The virtual host of a route configuration by name. */
export function virtualHost(rc: XdsResource, name: string): XdsResource {
  return named(rc['virtual_hosts'] as XdsResource[], name);
}
