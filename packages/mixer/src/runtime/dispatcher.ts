import type { AdapterHandler, AdapterInstance, AttributeMap, InstanceValue } from '@mesh/shared-api';
import type { ReferencedAttribute } from '../expr/compiled-expression.js';
import { evalBool } from '../expr/compiled-expression.js';
import type { CompiledParams, InstanceConfig, MixerConfig, RuleConfig } from '../model/mixer-config.js';

/**
 * The request-time core: which rules apply to an attribute bag, building their instances, and
 * calling the handlers. No I/O of its own (adapters do theirs); handler failures are caught,
 * counted and logged through {@link DispatchHooks}.
 */

/** The live handlers, by handler fqn. */
export type HandlerLookup = (fqn: string) => AdapterHandler | undefined;

/** Failures and outcomes the dispatcher reports to its owner (logs, metrics). */
export interface DispatchHooks {
  handlerError(handler: string, op: 'check' | 'quota' | 'report', err: unknown): void;
  instanceError(instance: string, error: string): void;
}

/** Mixer's own defaults for a Check answer. */
export interface CheckDefaults {
  validDurationMs: number;
  validUseCount: number;
}

/** A quota request of a Check. */
export interface QuotaRequest {
  amount: number;
  bestEffort: boolean;
}

/** The decision of a Check: status, validity, referenced attributes and quota grants. */
export interface CheckOutcome {
  status: { code: number; message: string };
  validDurationMs: number;
  validUseCount: number;
  referenced: ReferencedAttribute[];
  quotas: Map<string, { grantedAmount: number; validDurationMs: number; referenced: ReferencedAttribute[] }>;
}

/** google.rpc.Code.INTERNAL */
const INTERNAL = 13;

/** Report bags dispatched between two yields to the event loop (see Dispatcher.report). */
export const REPORT_SLICE = 25;

/** The entries of compiled params, listed once per config (evalFields runs per instance per request). */
interface FieldList {
  readonly keys: readonly string[];
  readonly params: ReadonlyArray<CompiledParams[string]>;
}
const entryLists = new WeakMap<CompiledParams, FieldList>();

function entriesOf(fields: CompiledParams): FieldList {
  let list = entryLists.get(fields);
  if (!list) entryLists.set(fields, (list = { keys: Object.keys(fields), params: Object.values(fields) }));
  return list;
}

const IGNORE = (): void => undefined;

/** Nested maps already evaluated for the current bag (shared, read-only, by instances with identical maps). */
type BagMemo = Map<CompiledParams, Record<string, InstanceValue>>;

function evalFields(fields: CompiledParams, bag: AttributeMap, onError: (field: string, error: string) => void, memo?: BagMemo): Record<string, InstanceValue> {
  const out: Record<string, InstanceValue> = {};
  const { keys, params } = entriesOf(fields);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const f = params[i]!;
    if (f.kind === 'expr') {
      const v = f.expr.value(bag);
      if (v !== undefined) out[k] = v as InstanceValue;
      else {
        // Only now the reason (evaluating again is cheaper than building results that are not needed).
        const r = f.expr.eval(bag);
        onError(k, r.ok ? 'no value' : r.error);
      }
    } else if (f.kind === 'map') {
      let m = memo?.get(f.fields);
      if (!m) {
        m = evalFields(f.fields, bag, onError, memo);
        memo?.set(f.fields, m);
      }
      out[k] = m;
    } else {
      out[k] = f.value as InstanceValue;
    }
  }
  return out;
}

/** Builds one instance from a bag; absent attributes leave their field out. */
export function buildInstance(inst: InstanceConfig, bag: AttributeMap, hooks?: Pick<DispatchHooks, 'instanceError'>, memo?: BagMemo): AdapterInstance {
  return { name: inst.fqn, template: inst.template, fields: evalFields(inst.fields, bag, hooks ? errorReporter(inst, hooks) : IGNORE, memo) };
}

/** One error callback per instance and hooks (not one per request). */
const reporters = new WeakMap<InstanceConfig, { hooks: object; fn: (field: string, error: string) => void }>();

function errorReporter(inst: InstanceConfig, hooks: Pick<DispatchHooks, 'instanceError'>): (field: string, error: string) => void {
  const cached = reporters.get(inst);
  if (cached && cached.hooks === hooks) return cached.fn;
  const fn = (field: string, error: string): void => hooks.instanceError(inst.fqn, `${field}: ${error}`);
  reporters.set(inst, { hooks, fn });
  return fn;
}

/** Rules outside the config default namespace apply only to traffic to their own namespace (as in Istio). */
function applies(rule: RuleConfig, bag: AttributeMap, defaultNamespace: string, refs?: RefSet): boolean {
  if (rule.namespace !== defaultNamespace) {
    refs?.add({ name: 'destination.namespace' });
    if (bag.get('destination.namespace') !== rule.namespace) return false;
  }
  if (!rule.match) return true;
  if (refs) for (const r of rule.match.referenced) refs.add(r);
  return evalBool(rule.match, bag);
}

class RefSet {
  private readonly map = new Map<string, ReferencedAttribute>();
  add(r: ReferencedAttribute): void {
    this.map.set(r.mapKey === undefined ? r.name : `${r.name}\u0000${r.mapKey}`, r);
  }
  addAll(rs: readonly ReferencedAttribute[]): void {
    for (const r of rs) this.add(r);
  }
  list(): ReferencedAttribute[] {
    return [...this.map.values()];
  }
}

/** The dispatcher for one config state and its handlers. */
export class Dispatcher {
  private readonly checkRules: RuleConfig[];
  private readonly reportRules: RuleConfig[];
  private readonly quotaRules: RuleConfig[];

  constructor(
    readonly config: MixerConfig,
    private readonly handlers: HandlerLookup,
    private readonly hooks: DispatchHooks,
    private readonly defaultNamespace: string,
  ) {
    const having = (v: InstanceConfig['variety']) =>
      config.rules
        .map((r) => ({ ...r, actions: r.actions.map((a) => ({ ...a, instances: a.instances.filter((i) => i.variety === v) })).filter((a) => a.instances.length > 0) }))
        .filter((r) => r.actions.length > 0);
    this.checkRules = having('check');
    this.reportRules = having('report');
    this.quotaRules = having('quota');
  }

  /** Preconditions (check templates) and quotas for one bag. */
  async check(bag: AttributeMap, quotas: ReadonlyMap<string, QuotaRequest>, deduplicationId: string, defaults: CheckDefaults): Promise<CheckOutcome> {
    const refs = new RefSet();
    let status = { code: 0, message: '' };
    let validDurationMs = defaults.validDurationMs;
    let validUseCount = defaults.validUseCount;
    const calls: Promise<void>[] = [];
    for (const rule of this.checkRules) {
      if (!applies(rule, bag, this.defaultNamespace, refs)) continue;
      for (const action of rule.actions) {
        const handler = this.handlers(action.handler);
        if (!handler?.handleCheck) continue;
        for (const inst of action.instances) {
          refs.addAll(inst.referenced);
          const instance = buildInstance(inst, bag, this.hooks);
          calls.push(
            (async () => {
              let r;
              try {
                r = await handler.handleCheck!(instance);
              } catch (err) {
                this.hooks.handlerError(action.handler, 'check', err);
                r = { status: { code: INTERNAL, message: `${action.handler} failed` } };
              }
              if (r.status.code !== 0 && status.code === 0) status = { code: r.status.code, message: `${action.handler}:${r.status.message ?? ''}` };
              if (r.validDurationMs !== undefined) validDurationMs = Math.min(validDurationMs, r.validDurationMs);
              if (r.validUseCount !== undefined) validUseCount = Math.min(validUseCount, r.validUseCount);
            })(),
          );
        }
      }
    }
    await Promise.all(calls);
    const quotaResults: CheckOutcome['quotas'] = new Map();
    for (const [name, req] of quotas) quotaResults.set(name, await this.quota(name, req, bag, deduplicationId, defaults));
    return { status, validDurationMs, validUseCount, referenced: refs.list(), quotas: quotaResults };
  }

  private async quota(name: string, req: QuotaRequest, bag: AttributeMap, deduplicationId: string, defaults: CheckDefaults) {
    const refs = new RefSet();
    let granted: number | undefined;
    let validDurationMs = defaults.validDurationMs;
    for (const rule of this.quotaRules) {
      const matching = rule.actions.flatMap((a) => a.instances.filter((i) => i.name === name || i.fqn === name).map((i) => ({ handler: a.handler, inst: i })));
      if (matching.length === 0 || !applies(rule, bag, this.defaultNamespace, refs)) continue;
      for (const { handler: h, inst } of matching) {
        const handler = this.handlers(h);
        if (!handler?.handleQuota) continue;
        refs.addAll(inst.referenced);
        try {
          const r = await handler.handleQuota(buildInstance(inst, bag, this.hooks), { amount: req.amount, bestEffort: req.bestEffort, deduplicationId });
          granted = Math.min(granted ?? Infinity, r.grantedAmount);
          validDurationMs = Math.min(validDurationMs, r.validDurationMs);
        } catch (err) {
          // A quota backend that fails grants nothing rather than everything: quota protects a service.
          this.hooks.handlerError(h, 'quota', err);
          granted = 0;
        }
      }
    }
    // No rule for this quota: Mixer grants the request in full.
    return { grantedAmount: granted ?? req.amount, validDurationMs, referenced: refs.list() };
  }

  /**
   * Report: builds every matching report instance for every bag, then one call per handler — a
   * slice of {@link REPORT_SLICE} bags at a time, giving the event loop back between slices, so
   * that a Check arriving during a 100-bag Report waits for one slice (≈ 0.2 ms), not the batch.
   * A slow (asynchronous) adapter does not hold back the next slice: its calls are awaited at the end.
   */
  async report(bags: readonly AttributeMap[]): Promise<void> {
    const pending: Promise<void>[] = [];
    for (let start = 0; start < bags.length; start += REPORT_SLICE) {
      if (start > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      pending.push(this.reportSlice(bags.slice(start, start + REPORT_SLICE)));
    }
    await Promise.all(pending);
  }

  private async reportSlice(bags: readonly AttributeMap[]): Promise<void> {
    const batches = new Map<string, AdapterInstance[]>();
    const memo: BagMemo = new Map();
    for (const bag of bags) {
      memo.clear(); // evaluated maps are per bag
      for (const rule of this.reportRules) {
        if (!applies(rule, bag, this.defaultNamespace)) continue;
        for (const action of rule.actions) {
          let batch = batches.get(action.handler);
          if (!batch) batches.set(action.handler, (batch = []));
          for (const inst of action.instances) batch.push(buildInstance(inst, bag, this.hooks, memo));
        }
      }
    }
    await Promise.all(
      [...batches].map(async ([h, instances]) => {
        const handler = this.handlers(h);
        if (!handler?.handleReport) return;
        try {
          await handler.handleReport(instances);
        } catch (err) {
          this.hooks.handlerError(h, 'report', err);
        }
      }),
    );
  }
}
