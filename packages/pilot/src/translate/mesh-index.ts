import { serviceFqdn } from '@mesh/shared-api';
import type { ConfigResource } from '@mesh/shared-api';
import type { PilotKind, PilotKindSpecs } from '../model/kinds.js';
import type { MeshSettings } from '../model/mesh-settings.js';
import type { DestinationRuleSpec, Subset, TrafficPolicy, VirtualServiceSpec } from '../model/networking-specs.js';
import type { Service, ServiceEndpoint } from '../model/service.js';
import { exportedTo, mostSpecificHostMatch } from './host-match.js';

/** The config objects of every kind Pilot reads, oldest first per kind. */
export type ConfigLists = { readonly [K in PilotKind]?: readonly ConfigResource<PilotKindSpecs[K]>[] };

/** Everything translation reads: settings, services, endpoints and config, as plain data. */
export interface MeshState {
  settings: MeshSettings;
  /** Sorted by hostname. */
  services: readonly Service[];
  endpoints: readonly ServiceEndpoint[];
  configs: ConfigLists;
  /** JSON Web Key Sets fetched for `jwksUri`s (inlined into jwt_authn, as Istio 1.4 does). */
  jwks?: ReadonlyMap<string, string>;
}

/** The gateway name that means "the sidecars of the mesh" in `gateways` fields. */
export const MESH_GATEWAY = 'mesh';

/** A DestinationRule as it applies to one host: merged subsets and the traffic policy. */
export interface EffectiveDestinationRule {
  /** The rule that supplied the traffic policy (metadata for names and namespaces). */
  rule: ConfigResource<DestinationRuleSpec>;
  trafficPolicy: TrafficPolicy | undefined;
  subsets: readonly Subset[];
}

/**
 * A {@link MeshState} indexed once per push and shared by every proxy's translation: services by
 * host, endpoints by host and port, DestinationRules by namespace and host.
 */
export interface MeshIndex {
  readonly state: MeshState;
  readonly settings: MeshSettings;
  service(hostname: string): Service | undefined;
  endpoints(hostname: string, port: number): readonly ServiceEndpoint[];
  /** The objects of one kind, oldest first. */
  configs<K extends PilotKind>(kind: K): readonly ConfigResource<PilotKindSpecs[K]>[];
  /**
   * The DestinationRule a proxy in `proxyNamespace` applies to `hostname` (Istio 1.4's
   * `PushContext.DestinationRule`): its own namespace's rules first, then rules exported by the
   * service's namespace, then those of the root namespace; the most specific host wins in each.
   */
  destinationRule(proxyNamespace: string, hostname: string): EffectiveDestinationRule | undefined;
  /** Resolves a host as written in config in `namespace` to a service FQDN (see {@link resolveHost}). */
  resolve(host: string, namespace: string): string;
}

/** Builds the per-push index. Pure. */
export function buildMeshIndex(state: MeshState): MeshIndex {
  const { settings } = state;
  const services = new Map(state.services.map((s) => [s.hostname, s]));
  const endpoints = new Map<string, ServiceEndpoint[]>();
  for (const ep of state.endpoints) {
    const k = `${ep.hostname}|${ep.servicePort}`;
    let list = endpoints.get(k);
    if (!list) endpoints.set(k, (list = []));
    list.push(ep);
  }
  const resolve = (host: string, ns: string): string => resolveHost(host, ns, settings.domainSuffix, services);

  // Per namespace: the rules defined there (visible to proxies of that namespace whatever their
  // exportTo) and the ones it exports; both keyed by resolved host, merged per Istio's rules.
  const local = new Map<string, Map<string, EffectiveDestinationRule>>();
  const exported = new Map<string, Map<string, EffectiveDestinationRule>>();
  for (const dr of state.configs.DestinationRule ?? []) {
    // Galley refuses a rule without a host; one that slipped through applies to nothing.
    if (typeof dr.spec.host !== 'string' || dr.spec.host === '') continue;
    const ns = dr.metadata.namespace ?? 'default';
    const host = resolve(dr.spec.host, ns);
    addRule(local, ns, host, dr);
    const exportTo = dr.spec.exportTo ?? [];
    if (!(exportTo.length > 0 && exportTo.every((e) => e === '.' || e === ns))) addRule(exported, ns, host, dr);
  }

  const cache = new Map<string, EffectiveDestinationRule | undefined>();
  const destinationRule = (proxyNs: string, hostname: string): EffectiveDestinationRule | undefined => {
    const key = `${proxyNs}|${hostname}`;
    if (cache.has(key)) return cache.get(key);
    const svcNs = services.get(hostname)?.namespace;
    const visible = (r: EffectiveDestinationRule | undefined): EffectiveDestinationRule | undefined =>
      r && exportedTo(r.rule.spec.exportTo, r.rule.metadata.namespace ?? 'default', proxyNs) ? r : undefined;
    const found =
      lookup(local, proxyNs, hostname) ??
      (svcNs !== undefined ? visible(lookup(exported, svcNs, hostname)) : undefined) ??
      visible(lookup(exported, settings.rootNamespace, hostname)) ??
      // Istio 1.4 also falls back to any namespace's exported rule for the exact host.
      visible(anyExported(exported, hostname));
    cache.set(key, found);
    return found;
  };

  return {
    state,
    settings,
    service: (h) => services.get(h),
    endpoints: (h, port) => endpoints.get(`${h}|${port}`) ?? [],
    configs: <K extends PilotKind>(kind: K) => (state.configs[kind] ?? []) as readonly ConfigResource<PilotKindSpecs[K]>[],
    destinationRule,
    resolve,
  };
}

function addRule(into: Map<string, Map<string, EffectiveDestinationRule>>, ns: string, host: string, dr: ConfigResource<DestinationRuleSpec>): void {
  let byHost = into.get(ns);
  if (!byHost) into.set(ns, (byHost = new Map()));
  const prev = byHost.get(host);
  if (!prev) {
    byHost.set(host, { rule: dr, trafficPolicy: dr.spec.trafficPolicy, subsets: [...(dr.spec.subsets ?? [])] });
    return;
  }
  // Istio merges rules for one host: the oldest traffic policy stays, subsets of new names are added.
  const subsets = [...prev.subsets];
  for (const s of dr.spec.subsets ?? []) if (!subsets.some((x) => x.name === s.name)) subsets.push(s);
  byHost.set(host, { rule: prev.trafficPolicy ? prev.rule : dr, trafficPolicy: prev.trafficPolicy ?? dr.spec.trafficPolicy, subsets });
}

function lookup(map: Map<string, Map<string, EffectiveDestinationRule>>, ns: string, host: string): EffectiveDestinationRule | undefined {
  const byHost = map.get(ns);
  return byHost ? mostSpecificHostMatch(host, byHost) : undefined;
}

function anyExported(map: Map<string, Map<string, EffectiveDestinationRule>>, host: string): EffectiveDestinationRule | undefined {
  for (const byHost of map.values()) {
    const exact = byHost.get(host);
    if (exact) return exact;
  }
  return undefined;
}

/**
 * Resolves a host written in a config object of `namespace` (Istio's rules): a short name means
 * `<name>.<namespace>.svc.<suffix>`; `<name>.<ns>` and `<name>.<ns>.svc` are accepted when they name a
 * known service; anything else (wildcards included) is taken as written.
 */
export function resolveHost(host: string, namespace: string, domainSuffix: string, known: ReadonlyMap<string, unknown>): string {
  if (host === '*' || host.startsWith('*')) return host;
  if (!host.includes('.')) return serviceFqdn(host, namespace, domainSuffix);
  if (known.has(host)) return host;
  const parts = host.split('.');
  if (parts.length === 2) {
    const candidate = serviceFqdn(parts[0]!, parts[1]!, domainSuffix);
    if (known.has(candidate)) return candidate;
  }
  if (parts.length === 3 && parts[2] === 'svc') {
    const candidate = `${host}.${domainSuffix}`;
    if (known.has(candidate)) return candidate;
  }
  return host;
}

/** Config bound to gateways applies to sidecars only when the list is empty or names `mesh`. */
export function appliesToSidecars(gateways: readonly string[] | undefined): boolean {
  return !gateways || gateways.length === 0 || gateways.includes(MESH_GATEWAY);
}

/**
 * The gateways a VirtualService binds to, as `<namespace>/<name>` (short names are in the
 * VirtualService's namespace) or `mesh`; none listed means `mesh` only.
 */
export function virtualServiceGateways(vs: ConfigResource<VirtualServiceSpec>): string[] {
  const gws = vs.spec.gateways;
  if (!gws || gws.length === 0) return [MESH_GATEWAY];
  return gws.map((g) => qualifyGateway(g, vs.metadata.namespace ?? 'default'));
}

/** `name` → `<namespace>/name`; `ns/name` and `mesh` stay; `name.ns.svc.cluster.local` (1.4's FQDN form) → `ns/name`. */
export function qualifyGateway(g: string, namespace: string): string {
  if (g === MESH_GATEWAY || g.includes('/')) return g;
  const parts = g.split('.');
  if (parts.length >= 2) return `${parts[1]}/${parts[0]}`;
  return `${namespace}/${g}`;
}
