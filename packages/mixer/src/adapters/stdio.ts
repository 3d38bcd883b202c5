import fs from 'node:fs';
import type { AdapterHandler, AdapterInstance, InstanceValue, MixerAdapter } from '@mesh/shared-api';
import { param, valueText } from './params.js';

/**
 * `stdio`: logentry instances as JSON lines (Istio's access log format with `outputAsJson`: level,
 * time, instance, then the instance's variables), and metric instances as lines too. Written to
 * stdout (logStream STDOUT, the default), stderr, or a file (logStream FILE / ROTATED_FILE with
 * outputPath; rotation is left to the operator).
 */
const LEVELS: Readonly<Record<string, string>> = { info: 'info', warning: 'warn', warn: 'warn', error: 'error', default: 'info', debug: 'debug' };

function jsonValue(v: InstanceValue): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (v instanceof Date) return v.toISOString();
  return valueText(v);
}

class StdioHandler implements AdapterHandler {
  private readonly write: (s: string) => void;
  private readonly fd: number | undefined;
  private readonly asJson: boolean;

  constructor(params: Readonly<Record<string, unknown>>) {
    const stream = param(params, 'logStream');
    const path = param(params, 'outputPath');
    this.asJson = param(params, 'outputAsJson') !== false;
    if ((stream === 'FILE' || stream === 'ROTATED_FILE' || stream === 2 || stream === 3) && typeof path === 'string' && path) {
      const fd = fs.openSync(path, 'a');
      this.fd = fd;
      this.write = (s) => fs.writeSync(fd, s);
    } else if (stream === 'STDERR' || stream === 1) {
      this.write = (s) => process.stderr.write(s);
    } else {
      this.write = (s) => process.stdout.write(s);
    }
  }

  handleReport(instances: readonly AdapterInstance[]): void {
    let out = '';
    for (const inst of instances) out += `${this.line(inst)}\n`;
    if (out) this.write(out);
  }

  private line(inst: AdapterInstance): string {
    const f = inst.fields;
    const vars = (inst.template === 'metric' ? f['dimensions'] : f['variables']) ?? {};
    const severity = typeof f['severity'] === 'string' ? f['severity'].toLowerCase() : 'info';
    const time = f['timestamp'] instanceof Date ? f['timestamp'] : new Date();
    const record: Record<string, unknown> = { level: LEVELS[severity] ?? 'info', time: time.toISOString(), instance: inst.name };
    if (inst.template === 'metric' && f['value'] !== undefined) record['value'] = jsonValue(f['value']);
    for (const [k, v] of Object.entries(vars as Record<string, InstanceValue>)) record[k] = jsonValue(v);
    if (this.asJson) return JSON.stringify(record);
    return Object.entries(record)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join('\t');
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
  }
}

/** The built-in stdio adapter. */
export const stdioAdapter: MixerAdapter = {
  apiVersion: 'mesh.mixer.adapter/v1',
  name: 'stdio',
  templates: ['logentry', 'metric'],
  createHandler(params) {
    return new StdioHandler(params);
  },
};
