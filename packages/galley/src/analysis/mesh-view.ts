import type { ConfigResource, RegistryService, RegistryWorkload } from '@mesh/shared-api';
import { configLookup, hostKeys } from './config-index.js';
import type { ConfigLookup } from './config-index.js';
import { hostMatches, isExportedTo, resolveHost } from './hosts.js';
import { InventoryIndex } from './inventory-index.js';
import type { ResourceRef } from './messages.js';
import type { AnalysisSnapshot } from './snapshot.js';
import { arr, namespaceOf, resourceKey, str } from './spec-access.js';

/**
 * What analyzers read a snapshot through: objects by kind, the lookups that resolve references
 * the way Pilot does (all indexed), and an optional focus — the objects to judge, so that the
 * analysis of one write costs the same however large the rest of the config is.
 */
export class MeshView {
  readonly domainSuffix: string;
  readonly config: ConfigLookup;
  private readonly inventory: InventoryIndex;

  /** `focus`: keys (see `resourceKey`) of the objects to judge; all objects when undefined. */
  constructor(
    snapshot: AnalysisSnapshot,
    private readonly focus?: ReadonlySet<string>,
  ) {
    this.domainSuffix = snapshot.domainSuffix;
    this.config = configLookup(snapshot.config, snapshot.domainSuffix);
    this.inventory = InventoryIndex.of(snapshot.inventory);
  }

  /** True when an inventory source has answered (analyzers that need it are skipped otherwise). */
  get inventoryAvailable(): boolean {
    return this.inventory.available;
  }

  /** Every workload of the inventory. */
  get workloads(): readonly RegistryWorkload[] {
    return this.inventory.workloads;
  }

  /** The same view judging only the objects whose keys are in `focus`. */
  focused(focus: ReadonlySet<string>): MeshView {
    return Object.assign(Object.create(MeshView.prototype) as MeshView, this, { focus });
  }

  /** The objects to judge: every object (of `kind`, when given), or only those in focus. */
  subjects(kind?: string): ConfigResource[] {
    if (!this.focus) return kind === undefined ? this.config.all() : this.config.ofKind(kind);
    const out: ConfigResource[] = [];
    for (const key of this.focus) {
      const r = this.config.get(key);
      if (r && (kind === undefined || r.kind === kind)) out.push(r);
    }
    return out;
  }

  /** True when findings about `r` are wanted (always, without a focus). */
  inFocus(r: ConfigResource): boolean {
    return !this.focus || this.focus.has(resourceKey(r));
  }

  /** The reference messages name an object by. */
  ref(r: ConfigResource): ResourceRef {
    return { kind: r.kind, namespace: namespaceOf(r), name: r.metadata.name };
  }

  /** A host as written in `namespace`, resolved to an FQDN (see `resolveHost`). */
  resolve(host: string, namespace: string): string {
    return resolveHost(host, namespace, this.domainSuffix, (h) => this.inventory.has(h));
  }

  /** The registry service with this FQDN. */
  service(hostname: string): RegistryService | undefined {
    return this.inventory.service(hostname);
  }

  /** The Gateway object `namespace/name`. */
  gateway(namespace: string, name: string): ConfigResource | undefined {
    return this.config.lookup('gateway', `${namespace}/${name}`)[0];
  }

  /** VirtualServices bound to the mesh that define a host with these index keys (see `hostKeys`). */
  meshVirtualServices(keys: readonly string[]): ConfigResource[] {
    return [...new Set(keys.flatMap((k) => this.config.lookup('meshHost', k)))];
  }

  /** The index keys of a host written in `namespace`. */
  hostKeys(host: string, namespace: string): string[] {
    return hostKeys(host, namespace, this.domainSuffix);
  }

  /** ServiceEntries visible from `namespace` with a host covering `host` (or covered by a wildcard `host`). */
  serviceEntriesFor(host: string, namespace: string): ConfigResource[] {
    const found = new Set(this.config.lookup('seHost', host));
    for (const se of this.config.wildcards('seHost')) {
      if (arr(se.spec['hosts']).some((h) => typeof h === 'string' && (hostMatches(h, host) || hostMatches(host, h)))) found.add(se);
    }
    if (host.startsWith('*')) for (const k of this.config.keys('seHost')) if (hostMatches(host, k)) this.config.lookup('seHost', k).forEach((se) => found.add(se));
    return [...found].filter((se) => isExportedTo(se.spec['exportTo'], namespaceOf(se), namespace));
  }

  /** DestinationRules visible from `namespace` whose host covers the FQDN `hostname`. */
  destinationRulesFor(hostname: string, namespace: string): ConfigResource[] {
    const found = new Set(this.config.lookup('drHost', hostname));
    for (const dr of this.config.wildcards('drHost')) {
      const host = str(dr.spec['host']);
      if (host && hostMatches(host, hostname)) found.add(dr);
    }
    return [...found].filter((dr) => isExportedTo(dr.spec['exportTo'], namespaceOf(dr), namespace));
  }

  /** Workloads behind a service: listed as serving it, or selected by its selector in its namespace. */
  workloadsOf(service: RegistryService): RegistryWorkload[] {
    return this.inventory.workloadsOf(service);
  }

  /** Services a workload serves. */
  servicesOf(workload: RegistryWorkload): RegistryService[] {
    return this.inventory.servicesOf(workload);
  }
}
