import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { ConfigResource } from '@mesh/shared-api';

/** Reads every YAML document from files, directories (`*.yaml`, `*.yml`, `*.json`) or stdin (`-`). */
export function readDocuments(sources: readonly string[], stdin: () => string = () => fs.readFileSync(0, 'utf8')): Array<{ source: string; doc: ConfigResource }> {
  const out: Array<{ source: string; doc: ConfigResource }> = [];
  for (const src of sources) {
    const files = src === '-' ? ['-'] : fs.statSync(src).isDirectory() ? fs.readdirSync(src).filter((f) => /\.(ya?ml|json)$/.test(f)).sort().map((f) => path.join(src, f)) : [src];
    for (const file of files) {
      const text = file === '-' ? stdin() : fs.readFileSync(file, 'utf8');
      const docs = parseAllDocuments(text);
      for (const [i, d] of docs.entries()) {
        if (d.errors.length > 0) throw new Error(`${file}: document ${i + 1}: ${d.errors[0]!.message}`);
        const value = d.toJS() as unknown;
        if (value === null || value === undefined) continue;
        if (typeof value === 'object' && (value as { kind?: string }).kind === 'List' && Array.isArray((value as { items?: unknown }).items)) {
          for (const item of (value as { items: ConfigResource[] }).items) out.push({ source: file, doc: item });
        } else out.push({ source: file, doc: value as ConfigResource });
      }
    }
  }
  return out;
}
