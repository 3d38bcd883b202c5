import type { AttributeMap, ConfigResource, IstioService, QuotaSpec, QuotaSpecBinding } from '@mesh/shared-api';

/**
 * QuotaSpec + QuotaSpecBinding (config.istio.io, Istio 1.4's Mixer client config): which quotas a
 * request to a service is charged. In Istio, Pilot copied the specs bound to a service into the
 * Mixer filter config of that service's sidecars, and the sidecar put the quotas into its Check.
 * Here Pilot does not carry Mixer client config, so Mixer applies the bindings itself, to Checks
 * that name no quotas of their own (see dispatchPolicy): the same quotas are charged for the same
 * requests, and only for the services bound.
 */

/** One quota to charge: a quota instance name and an amount. */
export interface QuotaCharge {
  readonly quota: string;
  readonly charge: number;
}

type StringMatch = { exact?: string; prefix?: string; regex?: string };

interface CompiledRule {
  /** Alternatives (OR), each a set of clauses that must all hold (AND); empty: always. */
  readonly match: ReadonlyArray<ReadonlyArray<{ attr: string; mapKey?: string; test: (v: string) => boolean }>>;
  readonly quotas: readonly QuotaCharge[];
}

interface Binding {
  /** Undefined: every service (`service: "*"`). */
  readonly services: ReadonlyArray<{ host?: string; name?: string; namespace: string }> | undefined;
  readonly specs: readonly string[];
}

/** The bound quota specs of one config state. */
export interface QuotaBindings {
  /** Number of bindings (0: Mixer never adds quotas). */
  readonly size: number;
  /** The quotas bound to the bag's destination service whose spec rules match the request. */
  quotasFor(bag: AttributeMap): QuotaCharge[];
}

const GROUP = 'config.istio.io/';

function stringTest(m: StringMatch): ((v: string) => boolean) | undefined {
  if (m.exact !== undefined) return (v) => v === m.exact;
  if (m.prefix !== undefined) return (v) => v.startsWith(m.prefix!);
  if (m.regex !== undefined) {
    try {
      // Istio's matches are RE2 full matches.
      const re = new RegExp(`^(?:${m.regex})$`);
      return (v) => re.test(v);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** `request.headers[x-user]` → name and map key; a plain name has none. */
function attrRef(key: string): { attr: string; mapKey?: string } {
  const m = /^([^[\]]+)\[([^[\]]+)\]$/.exec(key);
  return m ? { attr: m[1]!, mapKey: m[2]! } : { attr: key };
}

function compileSpec(spec: QuotaSpec, where: string, problems: string[]): CompiledRule[] {
  return (spec.rules ?? []).map((rule, i) => ({
    match: (rule.match ?? []).map((alt, j) =>
      Object.entries(alt.clause ?? {}).map(([key, sm]) => {
        const test = stringTest(sm ?? {});
        if (!test) problems.push(`${where}: rules[${i}].match[${j}].clause["${key}"]: needs exact, prefix or a valid regex`);
        return { ...attrRef(key), test: test ?? (() => false) };
      }),
    ),
    quotas: (rule.quotas ?? []).filter((q) => typeof q.quota === 'string' && q.quota !== '').map((q) => ({ quota: q.quota!, charge: Number.isFinite(q.charge) && q.charge! > 0 ? q.charge! : 1 })),
  }));
}

function ruleMatches(rule: CompiledRule, bag: AttributeMap): boolean {
  if (rule.match.length === 0) return true;
  return rule.match.some((clauses) =>
    clauses.every((c) => {
      let v = bag.get(c.attr);
      if (c.mapKey !== undefined) v = v !== null && typeof v === 'object' && !(v instanceof Uint8Array) ? (v as Record<string, unknown>)[c.mapKey] as never : undefined;
      return typeof v === 'string' && c.test(v);
    }),
  );
}

function serviceRefs(services: readonly IstioService[] | undefined, ns: string): Binding['services'] {
  const out: Array<{ host?: string; name?: string; namespace: string }> = [];
  for (const s of services ?? []) {
    if (s.service === '*') return undefined;
    if (s.service) out.push({ host: s.service, namespace: s.namespace ?? ns });
    else if (s.name) out.push({ name: s.name, namespace: s.namespace ?? ns });
  }
  return out;
}

function serviceMatches(s: { host?: string; name?: string; namespace: string }, bag: AttributeMap): boolean {
  const host = bag.get('destination.service.host');
  if (s.host !== undefined) return host === s.host;
  const name = bag.get('destination.service.name');
  const namespace = bag.get('destination.service.namespace') ?? bag.get('destination.namespace');
  if (name !== undefined) return name === s.name && namespace === s.namespace;
  // Only the host is known: `name.namespace.svc.<domain>`.
  return typeof host === 'string' && host.startsWith(`${s.name}.${s.namespace}.`);
}

/** Builds the bindings from a config state; `resources` may hold any kinds. Unknown spec references are problems. */
export function buildQuotaBindings(resources: Iterable<ConfigResource>, problems: string[] = []): QuotaBindings {
  const specs = new Map<string, CompiledRule[]>();
  const bindings: Array<{ r: ConfigResource; spec: QuotaSpecBinding }> = [];
  for (const r of resources) {
    if (!r.apiVersion?.startsWith(GROUP)) continue;
    const ns = r.metadata.namespace ?? 'default';
    if (r.kind === 'QuotaSpec') specs.set(`${r.metadata.name}.${ns}`, compileSpec((r.spec ?? {}) as QuotaSpec, `QuotaSpec ${r.metadata.name}.${ns}`, problems));
    else if (r.kind === 'QuotaSpecBinding') bindings.push({ r, spec: (r.spec ?? {}) as QuotaSpecBinding });
  }
  const built: Binding[] = [];
  for (const { r, spec } of bindings) {
    const ns = r.metadata.namespace ?? 'default';
    const refs: string[] = [];
    for (const q of spec.quotaSpecs ?? []) {
      const key = `${q.name}.${q.namespace ?? ns}`;
      if (specs.has(key)) refs.push(key);
      else problems.push(`QuotaSpecBinding ${r.metadata.name}.${ns}: QuotaSpec "${key}" does not exist`);
    }
    if (refs.length > 0) built.push({ services: serviceRefs(spec.services, ns), specs: refs });
  }
  return {
    size: built.length,
    quotasFor(bag) {
      const out = new Map<string, number>();
      const seen = new Set<string>(); // a spec bound twice to one service is charged once
      for (const b of built) {
        if (b.services !== undefined && !b.services.some((s) => serviceMatches(s, bag))) continue;
        for (const key of b.specs) {
          if (seen.has(key)) continue;
          seen.add(key);
          for (const rule of specs.get(key)!) {
            if (!ruleMatches(rule, bag)) continue;
            for (const q of rule.quotas) out.set(q.quota, (out.get(q.quota) ?? 0) + q.charge);
          }
        }
      }
      return [...out].map(([quota, charge]) => ({ quota, charge }));
    },
  };
}
