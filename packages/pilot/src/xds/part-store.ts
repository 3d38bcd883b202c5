import type { ConfigResource } from '@mesh/shared-api';
import type { PilotKind } from '../model/kinds.js';
import type { VirtualServiceSpec } from '../model/networking-specs.js';
import type { Proxy } from '../model/proxy.js';
import type { ServiceEndpoint } from '../model/service.js';
import type { EffectiveDestinationRule, MeshIndex } from '../translate/mesh-index.js';
import { gatewaysFor, proxyScope, sidecarFor } from '../translate/scope.js';
import type { ProxyScope } from '../translate/scope.js';

/**
 * Config kinds whose effect on a scope's outbound part is recorded while translating it (through
 * its scope's VirtualService list and its DestinationRule lookups): a change of only these kinds
 * lets a later push reuse every part whose recorded inputs came out the same. Any other change
 * (services, Sidecars, Gateways, security policy, ...) drops every part.
 */
export const RECORDED_KINDS: ReadonlySet<PilotKind> = new Set<PilotKind>(['VirtualService', 'DestinationRule']);

/** What one outbound translation read from the index besides services (which drop the store when they change). */
export interface PartInputs {
  /** The scope's Sidecar, VirtualServices and Gateways (config objects are replaced, never mutated, on change). */
  sidecar: ConfigResource<object> | undefined;
  virtualServices: readonly ConfigResource<object>[];
  gatewayObjects: readonly ConfigResource<object>[];
  /** Every VirtualService and DestinationRule of the index translated against (to tell quickly that none changed). */
  allVirtualServices: readonly ConfigResource<object>[];
  allDestinationRules: readonly ConfigResource<object>[];
  /** Each DestinationRule lookup `<namespace>\0<host>` and its answer. */
  rules: Map<string, EffectiveDestinationRule | undefined>;
  /** Each endpoint lookup `<host>\0<port>` and its answer. */
  endpoints: Map<string, readonly ServiceEndpoint[]>;
  /** Whole lists of a recorded kind read directly (none today: a safety net for future translation code). */
  lists: Map<PilotKind, readonly ConfigResource<object>[]>;
}

/**
 * An index that records what a translation reads from it into `inputs` (besides the scope, which
 * the caller records). Delegates everything else to `index`.
 */
export function recordingIndex(index: MeshIndex, inputs: PartInputs): MeshIndex {
  const recording = Object.create(index) as MeshIndex & Record<string, unknown>;
  recording['destinationRule'] = (ns: string, host: string): EffectiveDestinationRule | undefined => {
    const r = index.destinationRule(ns, host);
    inputs.rules.set(`${ns}\u0000${host}`, r);
    return r;
  };
  recording['configs'] = <K extends PilotKind>(kind: K) => {
    const list = index.configs(kind);
    if (RECORDED_KINDS.has(kind)) inputs.lists.set(kind, list as readonly ConfigResource<object>[]);
    return list;
  };
  recording['endpoints'] = (host: string, port: number): readonly ServiceEndpoint[] => {
    const eps = index.endpoints(host, port);
    inputs.endpoints.set(`${host}\u0000${port}`, eps);
    return eps;
  };
  return recording;
}

/** The inputs of a scope about to be translated against `index` (lookups are recorded by {@link recordingIndex}). */
export function scopeInputs(index: MeshIndex, scope: ProxyScope): PartInputs {
  return {
    sidecar: scope.sidecar,
    virtualServices: scope.virtualServices,
    gatewayObjects: scope.gatewayObjects,
    allVirtualServices: index.configs('VirtualService'),
    allDestinationRules: index.configs('DestinationRule'),
    rules: new Map(),
    endpoints: new Map(),
    lists: new Map(),
  };
}

const sameList = (a: readonly unknown[], b: readonly unknown[]): boolean => a === b || (a.length === b.length && a.every((x, i) => x === b[i]));

/** Effective rules are rebuilt per index: equal when made of the same rule objects. */
function sameRule(a: EffectiveDestinationRule | undefined, b: EffectiveDestinationRule | undefined): boolean {
  if (!a || !b) return a === b;
  return a.rule === b.rule && a.trafficPolicy === b.trafficPolicy && sameList(a.subsets, b.subsets);
}

/** Endpoints are rebuilt when the registry recomputes: equal when the same objects or the same content. */
const sameEndpoints = (a: readonly ServiceEndpoint[], b: readonly ServiceEndpoint[]): boolean => sameList(a, b) || JSON.stringify(a) === JSON.stringify(b);

/** How the VirtualServices of one index differ from those of an earlier one. */
interface VirtualServiceDiff {
  /** Objects of the earlier index that were replaced or removed. */
  gone: ReadonlySet<ConfigResource<object>>;
  /** False when a VirtualService was added or removed, or changed what decides who sees it (hosts, gateways, exportTo). */
  visibilityKept: boolean;
}

const vsIdentity = (vs: ConfigResource<VirtualServiceSpec>): string => `${vs.metadata.namespace ?? ''}/${vs.metadata.name}`;
const vsVisibility = (vs: ConfigResource<VirtualServiceSpec>): string => JSON.stringify([vs.spec.hosts, vs.spec.gateways, vs.spec.exportTo]);

function diffVirtualServices(before: readonly ConfigResource<VirtualServiceSpec>[], after: readonly ConfigResource<VirtualServiceSpec>[]): VirtualServiceDiff {
  const kept = new Set(after);
  const gone = new Set<ConfigResource<object>>(before.filter((vs) => !kept.has(vs)));
  const previous = new Set(before);
  const byIdentity = new Map([...gone].map((vs) => [vsIdentity(vs as ConfigResource<VirtualServiceSpec>), vs as ConfigResource<VirtualServiceSpec>]));
  const added = after.filter((vs) => !previous.has(vs));
  const visibilityKept = before.length === after.length && added.every((vs) => {
    const old = byIdentity.get(vsIdentity(vs));
    return old !== undefined && vsVisibility(old) === vsVisibility(vs);
  });
  return { gone, visibilityKept };
}

/**
 * Checks kept parts against one push's index (Istio's `DependsOnConfig`, computed from what the
 * translation actually read): a part is still right when translating its scope again would read
 * the same. Only valid while services and the kinds outside {@link RECORDED_KINDS} did not change
 * (the {@link PartStore} is cleared when they do).
 */
export class PartValidator {
  private readonly vsDiffs = new Map<readonly ConfigResource<object>[], VirtualServiceDiff>();
  private readonly drSame = new Map<readonly ConfigResource<object>[], boolean>();

  constructor(private readonly index: MeshIndex) {}

  unchanged(proxy: Pick<Proxy, 'type' | 'namespace' | 'labels'>, inputs: PartInputs): boolean {
    const { index } = this;
    if (proxy.type === 'router') {
      if (!sameList(gatewaysFor(index, proxy), inputs.gatewayObjects)) return false;
    } else if (sidecarFor(index, proxy) !== inputs.sidecar) return false;
    if (!this.virtualServicesUnchanged(proxy, inputs)) return false;
    if (!this.destinationRulesUnchanged(inputs)) {
      for (const [key, rule] of inputs.rules) {
        const at = key.indexOf('\u0000');
        if (!sameRule(index.destinationRule(key.slice(0, at), key.slice(at + 1)), rule)) return false;
      }
    }
    for (const [kind, list] of inputs.lists) if (!sameList(index.configs(kind), list)) return false;
    for (const [key, eps] of inputs.endpoints) {
      const at = key.indexOf('\u0000');
      if (!sameEndpoints(index.endpoints(key.slice(0, at), Number(key.slice(at + 1))), eps)) return false;
    }
    return true;
  }

  private virtualServicesUnchanged(proxy: Pick<Proxy, 'type' | 'namespace' | 'labels'>, inputs: PartInputs): boolean {
    const now = this.index.configs('VirtualService');
    let diff = this.vsDiffs.get(inputs.allVirtualServices);
    if (!diff) this.vsDiffs.set(inputs.allVirtualServices, (diff = diffVirtualServices(inputs.allVirtualServices as readonly ConfigResource<VirtualServiceSpec>[], now)));
    if (diff.gone.size === 0 && diff.visibilityKept) return true;
    // Who sees each VirtualService is as before: the scope's list is the same unless one of it was replaced.
    if (diff.visibilityKept) return inputs.virtualServices.every((vs) => !diff.gone.has(vs));
    return sameList(proxyScope(this.index, proxy).virtualServices, inputs.virtualServices);
  }

  private destinationRulesUnchanged(inputs: PartInputs): boolean {
    let same = this.drSame.get(inputs.allDestinationRules);
    if (same === undefined) this.drSame.set(inputs.allDestinationRules, (same = sameList(inputs.allDestinationRules, this.index.configs('DestinationRule'))));
    return same;
  }
}

/**
 * Shared outbound parts kept across pushes, by scope key (Istio keeps its SidecarScopes across
 * pushes that do not touch them): a push re-translates only the scopes whose inputs changed. The
 * epoch changes on {@link clear}; a generator of an older epoch neither reads nor writes.
 */
export class PartStore<P extends { inputs: PartInputs }> {
  private readonly parts = new Map<string, P>();
  private currentEpoch = 0;
  hits = 0;
  misses = 0;

  get epoch(): number {
    return this.currentEpoch;
  }

  /** Something outside the recorded inputs changed: nothing kept may be reused. */
  clear(): void {
    this.parts.clear();
    this.currentEpoch++;
  }

  get(epoch: number, key: string): P | undefined {
    return epoch === this.currentEpoch ? this.parts.get(key) : undefined;
  }

  set(epoch: number, key: string, part: P): void {
    if (epoch === this.currentEpoch) this.parts.set(key, part);
  }

  /** Forgets the scopes not in `keys` (no connected proxy has them any more). */
  retainOnly(keys: ReadonlySet<string>): void {
    for (const k of [...this.parts.keys()]) if (!keys.has(k)) this.parts.delete(k);
  }

  /** Number of parts kept. */
  get size(): number {
    return this.parts.size;
  }
}
