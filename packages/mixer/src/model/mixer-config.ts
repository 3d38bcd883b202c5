import type { ConfigResource, TemplateName } from '@mesh/shared-api';
import { compileExpression } from '../expr/compiled-expression.js';
import type { CompiledExpression, ReferencedAttribute } from '../expr/compiled-expression.js';
import { isTemplateName, LEGACY_ADAPTER_KINDS, TEMPLATES } from './templates.js';
import type { TemplateVariety } from './templates.js';
import { buildQuotaBindings } from './quota-specs.js';
import type { QuotaBindings } from './quota-specs.js';

/**
 * Mixer's configuration model, built from the config.istio.io/v1alpha2 objects Galley stores:
 * handlers (an adapter and its params), instances (a template and its field expressions) and
 * rules (a match expression and actions routing instances to handlers). Pure: no I/O; every
 * problem is reported with the object it belongs to, and a broken object is left out rather than
 * failing the whole config (as Mixer did).
 *
 * Names: objects are known by `<name>.<kind>.<namespace>` (kind `handler`, `instance`, or a
 * legacy per-adapter / per-template kind). A rule refers to them by `name` (same namespace),
 * `name.kind` or `name.kind.namespace`.
 */

/** A handler: which adapter, configured how. */
export interface HandlerConfig {
  readonly fqn: string;
  /** A built-in adapter (`compiledAdapter` or a legacy kind) or a package name (`adapter`). */
  readonly adapter: string;
  readonly builtin: boolean;
  readonly params: Readonly<Record<string, unknown>>;
  /** Equal for handlers that can share one built adapter handler. */
  readonly identity: string;
}

/** A params tree whose string leaves are compiled expressions. */
export type CompiledParams = { readonly [key: string]: CompiledParam };
/** One node of {@link CompiledParams}. */
export type CompiledParam = { kind: 'expr'; expr: CompiledExpression } | { kind: 'const'; value: unknown } | { kind: 'map'; fields: CompiledParams };

/** An instance: a template and its compiled fields. */
export interface InstanceConfig {
  readonly fqn: string;
  readonly name: string;
  readonly namespace: string;
  readonly template: TemplateName;
  readonly variety: TemplateVariety;
  readonly fields: CompiledParams;
  readonly referenced: readonly ReferencedAttribute[];
}

/** A rule action, with references resolved. */
export interface ActionConfig {
  readonly handler: string;
  readonly instances: readonly InstanceConfig[];
}

/** A rule. */
export interface RuleConfig {
  readonly fqn: string;
  readonly namespace: string;
  /** Undefined: the rule always matches. */
  readonly match: CompiledExpression | undefined;
  readonly actions: readonly ActionConfig[];
}

/** The model of one config state. */
export interface MixerConfig {
  readonly handlers: ReadonlyMap<string, HandlerConfig>;
  readonly instances: ReadonlyMap<string, InstanceConfig>;
  readonly rules: readonly RuleConfig[];
  /** The QuotaSpecBindings: quotas Mixer charges on Checks that name none (see quota-specs.ts). */
  readonly quotaBindings: QuotaBindings;
  /** What was left out, and why (logged, and served on /debug/config). */
  readonly problems: readonly string[];
}

/** An empty configuration (before the first load). */
export const EMPTY_MIXER_CONFIG: MixerConfig = { handlers: new Map(), instances: new Map(), rules: [], quotaBindings: buildQuotaBindings([]), problems: [] };

const GROUP = 'config.istio.io';

function nsOf(r: ConfigResource): string {
  return r.metadata.namespace ?? 'default';
}

/**
 * Compiled nested params by their source, so that instances with identical maps (Istio's metrics
 * all share one `dimensions` map) share one object, which the dispatcher evaluates once per bag.
 */
type Interned = Map<string, { fields: CompiledParams; refs: ReferencedAttribute[] }>;

function compileParams(params: Record<string, unknown>, path: string, problems: string[], refs: ReferencedAttribute[], interned?: Interned): CompiledParams {
  const out: Record<string, CompiledParam> = {};
  for (const [k, v] of Object.entries(params)) {
    const p = `${path}.${k}`;
    if (typeof v === 'string') {
      const c = compileExpression(v);
      if (!c.ok) {
        problems.push(`${p}: ${c.error}`);
        continue;
      }
      refs.push(...c.expr.referenced);
      out[k] = { kind: 'expr', expr: c.expr };
    } else if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const id = JSON.stringify(v);
      let shared = interned?.get(id);
      if (!shared) {
        const before = problems.length;
        const own: ReferencedAttribute[] = [];
        shared = { fields: compileParams(v as Record<string, unknown>, p, problems, own, interned), refs: own };
        if (problems.length === before) interned?.set(id, shared);
      }
      refs.push(...shared.refs);
      out[k] = { kind: 'map', fields: shared.fields };
    } else if (v !== null && v !== undefined) {
      out[k] = { kind: 'const', value: v };
    }
  }
  return out;
}

function lowerKind(r: ConfigResource): string {
  return r.kind.toLowerCase();
}

/** Builds the model; `resources` may hold any kinds (others are ignored). */
export function buildMixerConfig(input: Iterable<ConfigResource>): MixerConfig {
  const resources = [...input];
  const problems: string[] = [];
  const handlers = new Map<string, HandlerConfig>();
  const instances = new Map<string, InstanceConfig>();
  const rules: ConfigResource[] = [];
  const interned: Interned = new Map();
  for (const r of resources) {
    if (!r.apiVersion?.startsWith(`${GROUP}/`)) continue;
    const kind = lowerKind(r);
    const ns = nsOf(r);
    const fqn = `${r.metadata.name}.${kind}.${ns}`;
    const spec = (r.spec ?? {}) as Record<string, unknown>;
    if (kind === 'rule') {
      rules.push(r);
    } else if (kind === 'handler') {
      const compiled = typeof spec['compiledAdapter'] === 'string' ? spec['compiledAdapter'] : undefined;
      const external = typeof spec['adapter'] === 'string' ? spec['adapter'] : undefined;
      const adapter = compiled ?? external;
      if (!adapter) {
        problems.push(`handler ${fqn}: neither compiledAdapter nor adapter is set`);
        continue;
      }
      const params = (spec['params'] ?? {}) as Record<string, unknown>;
      handlers.set(fqn, { fqn, adapter, builtin: compiled !== undefined, params, identity: `${adapter}\u0000${JSON.stringify(params)}` });
    } else if (LEGACY_ADAPTER_KINDS.has(kind)) {
      handlers.set(fqn, { fqn, adapter: kind, builtin: true, params: spec, identity: `${kind}\u0000${JSON.stringify(spec)}` });
    } else if (kind === 'instance' || isTemplateName(kind)) {
      const template = kind === 'instance' ? String(spec['compiledTemplate'] ?? spec['template'] ?? '') : kind;
      if (!isTemplateName(template)) {
        problems.push(`instance ${fqn}: template "${template}" is not one Mixer builds (${Object.keys(TEMPLATES).join(', ')})`);
        continue;
      }
      const params = (kind === 'instance' ? (spec['params'] ?? {}) : spec) as Record<string, unknown>;
      const before = problems.length;
      const refs: ReferencedAttribute[] = [];
      const fields = compileParams(params, `instance ${fqn}: params`, problems, refs, interned);
      if (problems.length > before) continue;
      instances.set(fqn, { fqn, name: r.metadata.name, namespace: ns, template, variety: TEMPLATES[template], fields, referenced: refs });
    }
  }
  const resolve = resolver([...handlers.keys(), ...instances.keys()]);
  const built: RuleConfig[] = [];
  for (const r of rules) {
    const ns = nsOf(r);
    const fqn = `${r.metadata.name}.rule.${ns}`;
    const spec = r.spec as { match?: string; actions?: { handler?: string; instances?: string[] }[] };
    let match: CompiledExpression | undefined;
    if (spec.match && spec.match.trim() !== '' && spec.match.trim() !== 'true') {
      const c = compileExpression(spec.match);
      if (!c.ok) {
        problems.push(`rule ${fqn}: match: ${c.error}`);
        continue;
      }
      match = c.expr;
    }
    const actions: ActionConfig[] = [];
    for (const [i, a] of (spec.actions ?? []).entries()) {
      const h = resolve(a.handler ?? '', ns, (f) => handlers.has(f));
      if (!h) {
        problems.push(`rule ${fqn}: actions[${i}]: handler "${a.handler ?? ''}" does not exist`);
        continue;
      }
      const insts: InstanceConfig[] = [];
      for (const name of a.instances ?? []) {
        const f = resolve(name, ns, (x) => instances.has(x));
        if (f) insts.push(instances.get(f)!);
        else problems.push(`rule ${fqn}: actions[${i}]: instance "${name}" does not exist`);
      }
      if (insts.length > 0) actions.push({ handler: h, instances: insts });
    }
    built.push({ fqn, namespace: ns, match, actions });
  }
  const quotaBindings = buildQuotaBindings(resources, problems);
  return { handlers, instances, rules: built, quotaBindings, problems };
}

/** Resolves `name`, `name.kind` or `name.kind.namespace` to a known fully qualified name. */
function resolver(known: readonly string[]): (ref: string, ns: string, exists: (fqn: string) => boolean) => string | undefined {
  const byShort = new Map<string, string[]>();
  for (const fqn of known) {
    const parts = fqn.split('.');
    const key = `${parts.slice(0, -2).join('.')}\u0000${parts[parts.length - 1]!}`;
    byShort.set(key, [...(byShort.get(key) ?? []), fqn]);
  }
  return (ref, ns, exists) => {
    if (!ref) return undefined;
    if (exists(ref)) return ref;
    const withNs = `${ref}.${ns}`;
    if (exists(withNs)) return withNs;
    const candidates = (byShort.get(`${ref}\u0000${ns}`) ?? []).filter(exists);
    return candidates.find((c) => c.includes('.handler.') || c.includes('.instance.')) ?? candidates[0];
  };
}
