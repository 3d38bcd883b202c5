import fs from 'node:fs';
import type { AdapterCheckResult, AdapterEnv, AdapterHandler, AdapterInstance, InstanceValue, MixerAdapter } from '@mesh/shared-api';

/**
 * The handler params this adapter accepts (a handler's `spec.params`):
 *
 * ```yaml
 * spec:
 *   adapter: "@mesh/adapter-example"
 *   params:
 *     outputPath: /var/log/mesh/audit.jsonl   # report instances as JSON lines (optional)
 *     deny: ["blocked-user"]                  # listentry values to refuse (optional)
 * ```
 */
export interface ExampleParams {
  readonly outputPath?: string;
  readonly deny?: readonly string[];
}

/** An instance value as JSON (bigints as numbers, bytes as hex, durations as `12.5ms`). */
function toJson(v: InstanceValue): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if ('ms' in v && typeof v.ms === 'number') return `${v.ms}ms`;
  return Object.fromEntries(Object.entries(v as Record<string, InstanceValue>).map(([k, x]) => [k, toJson(x)]));
}

/** One handler: an audit log of report instances, a deny list for listentry, and counters. */
export class ExampleHandler implements AdapterHandler {
  private readonly counts = new Map<string, number>();
  private readonly deny: ReadonlySet<string>;

  constructor(
    private readonly params: ExampleParams,
    private readonly env: AdapterEnv,
  ) {
    this.deny = new Set(params.deny ?? []);
  }

  handleReport(instances: readonly AdapterInstance[]): void {
    let lines = '';
    for (const inst of instances) {
      this.counts.set(inst.name, (this.counts.get(inst.name) ?? 0) + 1);
      lines += `${JSON.stringify({ handler: this.env.handlerName, instance: inst.name, template: inst.template, fields: toJson(inst.fields as InstanceValue) })}\n`;
    }
    if (this.params.outputPath && lines) fs.appendFileSync(this.params.outputPath, lines);
  }

  handleCheck(instance: AdapterInstance): AdapterCheckResult {
    const value = instance.fields['value'];
    if (typeof value === 'string' && this.deny.has(value)) {
      return { status: { code: 7, message: `${value} is on the example deny list` }, validDurationMs: 10_000, validUseCount: 100 };
    }
    return { status: { code: 0 }, validDurationMs: 10_000, validUseCount: 100 };
  }

  prometheusText(): string {
    if (this.counts.size === 0) return '';
    const name = 'mesh_example_instances_total';
    const lines = [`# HELP ${name} instances received by the example adapter`, `# TYPE ${name} counter`];
    for (const [inst, n] of this.counts) lines.push(`${name}{handler="${this.env.handlerName}",instance="${inst}"} ${n}`);
    return `${lines.join('\n')}\n`;
  }
}

/** The adapter Mixer loads: the package's named export `adapter`. */
export const adapter: MixerAdapter = {
  apiVersion: 'mesh.mixer.adapter/v1',
  name: '@mesh/adapter-example',
  templates: ['logentry', 'metric', 'listentry'],
  validateParams(params) {
    const problems: string[] = [];
    if (params['outputPath'] !== undefined && typeof params['outputPath'] !== 'string') problems.push('outputPath must be a file path');
    const deny = params['deny'];
    if (deny !== undefined && !(Array.isArray(deny) && deny.every((d) => typeof d === 'string'))) problems.push('deny must be a list of strings');
    return problems;
  },
  createHandler(params, env) {
    return new ExampleHandler(params as ExampleParams, env);
  },
};
