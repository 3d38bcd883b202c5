import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

/** One document read from a file, a directory or stdin, or why it could not be read. */
export interface SourceDocument {
  /** The file it came from (`-` for stdin). */
  source: string;
  /** 1-based position in its file. */
  index: number;
  /** The parsed document (undefined when `error` is set). */
  doc?: unknown;
  /** A YAML syntax error or an unreadable file. */
  error?: string;
}

/**
 * Reads every document of files, directories (their `*.yaml`, `*.yml`, `*.json`, in name order)
 * and stdin (`-`), keeping going past broken files: each failure is one entry with `error`, so a
 * validator can report it beside the documents that did parse. `List` documents are unwrapped.
 */
export function readSourceDocuments(sources: readonly string[], stdin: () => string = () => fs.readFileSync(0, 'utf8')): SourceDocument[] {
  const out: SourceDocument[] = [];
  for (const src of sources) {
    let files: string[];
    try {
      files = src === '-' ? ['-'] : fs.statSync(src).isDirectory() ? fs.readdirSync(src).filter((f) => /\.(ya?ml|json)$/.test(f)).sort().map((f) => path.join(src, f)) : [src];
    } catch (err) {
      out.push({ source: src, index: 0, error: `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
      continue;
    }
    for (const file of files) {
      let text: string;
      try {
        text = file === '-' ? stdin() : fs.readFileSync(file, 'utf8');
      } catch (err) {
        out.push({ source: file, index: 0, error: `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
        continue;
      }
      let index = 0;
      for (const d of parseAllDocuments(text)) {
        index++;
        if (d.errors.length > 0) {
          out.push({ source: file, index, error: `not valid YAML: ${d.errors[0]!.message.split('\n')[0]}` });
          continue;
        }
        let value: unknown;
        try {
          value = d.toJS({ maxAliasCount: 100 }) as unknown;
        } catch (err) {
          out.push({ source: file, index, error: `not valid YAML: ${(err as Error).message}` });
          continue;
        }
        if (value === null || value === undefined) continue;
        const items = (value as { kind?: unknown; items?: unknown }).kind === 'List' && Array.isArray((value as { items?: unknown }).items) ? (value as { items: unknown[] }).items : [value];
        for (const doc of items) out.push({ source: file, index, doc });
      }
    }
  }
  return out;
}
