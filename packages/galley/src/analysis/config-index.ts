import type { ConfigResource } from '@mesh/shared-api';
import { appliesToMesh, gatewayRefs, routeDestinations } from './analyzers/route-destinations.js';
import { parseGatewayRef, serviceHostname } from './hosts.js';
import { arr, namespaceOf, resourceKey, str } from './spec-access.js';

/** The host-keyed lookups of a {@link ConfigLookup}. */
export type HostTable =
  /** Hosts of VirtualServices that apply to the mesh (sidecars). */
  | 'meshHost'
  /** Destination hosts of VirtualServices. */
  | 'destHost'
  /** `namespace/name` of the Gateways VirtualServices are bound to. */
  | 'gatewayRef'
  | 'drHost'
  | 'seHost'
  /** `namespace/name` of Gateways. */
  | 'gateway';

/** Objects declaring wildcard hosts, kept apart (matched by suffix, not by key). */
export type WildcardTable = 'destHost' | 'drHost' | 'seHost';

/** Read access to all config, with the host indexes analyzers look things up by. */
export interface ConfigLookup {
  readonly domainSuffix: string;
  get(key: string): ConfigResource | undefined;
  /** Every object (a full pass: only whole-config analysis calls it). */
  all(): ConfigResource[];
  ofKind(kind: string): ConfigResource[];
  lookup(table: HostTable, hostKey: string): ConfigResource[];
  wildcards(table: WildcardTable): ConfigResource[];
  /** Every key of a table (for matching a wildcard against all exact hosts; rare). */
  keys(table: HostTable): string[];
}

/**
 * The keys a host written in `namespace` is indexed under: its FQDN for a short name; for
 * `name.ns` and `name.ns.svc` both the text and the FQDN they may stand for (Pilot resolves them
 * only when such a service exists, which the index cannot know); anything else as written.
 */
export function hostKeys(host: string, namespace: string, domainSuffix: string): string[] {
  if (host.startsWith('*')) return [host];
  if (!host.includes('.')) return [serviceHostname(host, namespace, domainSuffix)];
  const parts = host.split('.');
  if (parts.length === 2 || (parts.length === 3 && parts[2] === 'svc')) return [host, serviceHostname(parts[0]!, parts[1]!, domainSuffix)];
  return [host];
}

type Fact = [table: HostTable, key: string] | [wildcard: WildcardTable];

/**
 * All config objects with host indexes, kept up to date one object at a time (Galley's copy of
 * the config bucket updates it on every change), so admission analysis of one write never walks
 * the whole config.
 */
export class ConfigIndex implements ConfigLookup {
  private readonly objects = new Map<string, ConfigResource>();
  private readonly kinds = new Map<string, Set<string>>();
  private readonly facts = new Map<string, Fact[]>();
  private readonly tables = new Map<HostTable, Map<string, Set<string>>>();
  private readonly wild = new Map<WildcardTable, Set<string>>();

  constructor(
    readonly domainSuffix: string,
    resources: Iterable<ConfigResource> = [],
  ) {
    for (const r of resources) this.put(r);
  }

  /** Number of objects. */
  get size(): number {
    return this.objects.size;
  }

  /** Adds an object, replacing the one with the same kind, namespace and name. */
  put(r: ConfigResource): void {
    const key = resourceKey(r);
    this.delete(key);
    this.objects.set(key, r);
    addTo(this.kinds, r.kind, key);
    const facts = factsOf(r, this.domainSuffix);
    this.facts.set(key, facts);
    for (const f of facts) {
      if (f.length === 2) addTo(getOrAdd(this.tables, f[0]), f[1], key);
      else getOrAdd(this.wild, f[0], () => new Set<string>()).add(key);
    }
  }

  /** Removes an object by key (see `resourceKey`). */
  delete(key: string): void {
    const r = this.objects.get(key);
    if (!r) return;
    this.objects.delete(key);
    this.kinds.get(r.kind)?.delete(key);
    for (const f of this.facts.get(key) ?? []) {
      if (f.length === 2) this.tables.get(f[0])?.get(f[1])?.delete(key);
      else this.wild.get(f[0])?.delete(key);
    }
    this.facts.delete(key);
  }

  has(key: string): boolean {
    return this.objects.has(key);
  }

  get(key: string): ConfigResource | undefined {
    return this.objects.get(key);
  }

  all(): ConfigResource[] {
    return [...this.objects.values()];
  }

  ofKind(kind: string): ConfigResource[] {
    return this.resolveKeys(this.kinds.get(kind));
  }

  lookup(table: HostTable, hostKey: string): ConfigResource[] {
    return this.resolveKeys(this.tables.get(table)?.get(hostKey));
  }

  wildcards(table: WildcardTable): ConfigResource[] {
    return this.resolveKeys(this.wild.get(table));
  }

  keys(table: HostTable): string[] {
    return [...(this.tables.get(table)?.entries() ?? [])].filter(([, keys]) => keys.size > 0).map(([k]) => k);
  }

  private resolveKeys(keys: Set<string> | undefined): ConfigResource[] {
    if (!keys) return [];
    const out: ConfigResource[] = [];
    for (const k of keys) out.push(this.objects.get(k)!);
    return out;
  }
}

/** `top` written over `base`: objects of `top` replace those of `base` with the same key. */
export class LayeredConfig implements ConfigLookup {
  readonly domainSuffix: string;

  constructor(
    private readonly base: ConfigLookup,
    private readonly top: ConfigIndex,
  ) {
    this.domainSuffix = base.domainSuffix;
  }

  get(key: string): ConfigResource | undefined {
    return this.top.get(key) ?? this.base.get(key);
  }

  all(): ConfigResource[] {
    return this.merge(this.base.all(), this.top.all());
  }

  ofKind(kind: string): ConfigResource[] {
    return this.merge(this.base.ofKind(kind), this.top.ofKind(kind));
  }

  lookup(table: HostTable, hostKey: string): ConfigResource[] {
    return this.merge(this.base.lookup(table, hostKey), this.top.lookup(table, hostKey));
  }

  wildcards(table: WildcardTable): ConfigResource[] {
    return this.merge(this.base.wildcards(table), this.top.wildcards(table));
  }

  keys(table: HostTable): string[] {
    return [...new Set([...this.base.keys(table), ...this.top.keys(table)])];
  }

  private merge(below: ConfigResource[], above: ConfigResource[]): ConfigResource[] {
    if (this.top.size === 0) return below;
    return [...below.filter((r) => !this.top.has(resourceKey(r))), ...above];
  }
}

/** A lookup over `config`, which may already be one. */
export function configLookup(config: readonly ConfigResource[] | ConfigLookup, domainSuffix: string): ConfigLookup {
  return Array.isArray(config) ? new ConfigIndex(domainSuffix, config as readonly ConfigResource[]) : (config as ConfigLookup);
}

function factsOf(r: ConfigResource, suffix: string): Fact[] {
  const ns = namespaceOf(r);
  const facts: Fact[] = [];
  const hosts = (table: HostTable, wildcard: WildcardTable | undefined, host: string): void => {
    if (host.startsWith('*') && wildcard) facts.push([wildcard]);
    else for (const k of hostKeys(host, ns, suffix)) facts.push([table, k]);
  };
  switch (r.kind) {
    case 'VirtualService':
      if (appliesToMesh(r)) for (const h of arr(r.spec['hosts'])) if (typeof h === 'string') hosts('meshHost', undefined, h);
      for (const d of routeDestinations(r)) hosts('destHost', 'destHost', d.host);
      for (const { ref } of gatewayRefs(r)) {
        if (ref === 'mesh') continue;
        const g = parseGatewayRef(ref, ns);
        facts.push(['gatewayRef', `${g.namespace}/${g.name}`]);
      }
      break;
    case 'DestinationRule': {
      const host = str(r.spec['host']);
      if (host) hosts('drHost', 'drHost', host);
      break;
    }
    case 'ServiceEntry':
      for (const h of arr(r.spec['hosts'])) if (typeof h === 'string') hosts('seHost', 'seHost', h);
      break;
    case 'Gateway':
      facts.push(['gateway', `${ns}/${r.metadata.name}`]);
      break;
  }
  return facts;
}

function addTo(map: Map<string, Set<string>>, key: string, value: string): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(value);
}

function getOrAdd<K, V>(map: Map<K, V>, key: K, make: () => V = () => new Map() as V): V {
  let v = map.get(key);
  if (v === undefined) map.set(key, (v = make()));
  return v;
}
