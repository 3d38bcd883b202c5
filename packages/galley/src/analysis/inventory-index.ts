import type { RegistryService, RegistryWorkload } from '@mesh/shared-api';
import type { InventorySnapshot } from './snapshot.js';
import { mergeInventories } from './snapshot.js';
import { selects } from './spec-access.js';

/** Indexes built once per inventory snapshot (an inventory source hands out the same snapshot until it changes). */
const cache = new WeakMap<InventorySnapshot, InventoryIndex>();

/** Services by hostname and the workloads behind each, for one inventory snapshot. */
export class InventoryIndex {
  private readonly services = new Map<string, RegistryService>();
  private readonly listedWorkloads = new Map<string, RegistryWorkload[]>();
  private readonly workloadsByNamespace = new Map<string, RegistryWorkload[]>();
  private readonly selectorServices = new Map<string, RegistryService[]>();
  private readonly behind = new Map<string, RegistryWorkload[]>();

  private constructor(readonly snapshot: InventorySnapshot) {
    for (const s of snapshot.services) {
      // Several sources may know one hostname: merge them (ports are the union), copying only then.
      const prev = this.services.get(s.hostname);
      this.services.set(s.hostname, prev ? mergeInventories([{ available: true, services: [prev, s], workloads: [] }]).services[0]! : s);
    }
    for (const s of this.services.values()) if (hasSelector(s)) push(this.selectorServices, s.namespace, s);
    for (const w of snapshot.workloads) {
      for (const h of w.services) push(this.listedWorkloads, h, w);
      push(this.workloadsByNamespace, w.namespace, w);
    }
  }

  /** The index of a snapshot (built on first use). */
  static of(snapshot: InventorySnapshot): InventoryIndex {
    let index = cache.get(snapshot);
    if (!index) cache.set(snapshot, (index = new InventoryIndex(snapshot)));
    return index;
  }

  get available(): boolean {
    return this.snapshot.available;
  }

  get workloads(): readonly RegistryWorkload[] {
    return this.snapshot.workloads;
  }

  has(hostname: string): boolean {
    return this.services.has(hostname);
  }

  service(hostname: string): RegistryService | undefined {
    return this.services.get(hostname);
  }

  /** Workloads behind a service: listed as serving it, or selected by its selector in its namespace. */
  workloadsOf(service: RegistryService): RegistryWorkload[] {
    let out = this.behind.get(service.hostname);
    if (out) return out;
    const listed = this.listedWorkloads.get(service.hostname) ?? [];
    const selected = hasSelector(service) ? (this.workloadsByNamespace.get(service.namespace) ?? []).filter((w) => selects(service.selector!, w.labels)) : [];
    out = selected.length === 0 ? listed : [...new Set([...listed, ...selected])];
    this.behind.set(service.hostname, out);
    return out;
  }

  /** Services a workload serves: those it lists, and those in its namespace whose selector matches it. */
  servicesOf(workload: RegistryWorkload): RegistryService[] {
    const listed = workload.services.map((h) => this.services.get(h)).filter((s): s is RegistryService => s !== undefined);
    const selected = (this.selectorServices.get(workload.namespace) ?? []).filter((s) => selects(s.selector!, workload.labels));
    return [...new Set([...listed, ...selected])];
  }
}

function hasSelector(s: RegistryService): boolean {
  return s.selector !== undefined && Object.keys(s.selector).length > 0;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
