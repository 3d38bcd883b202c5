import { stringify } from 'yaml';
import { validateResource } from '@mesh/shared-api';
import type { FieldViolation } from '@mesh/shared-api';
import type { CliIo } from './cli.js';
import { readSourceDocuments } from './yaml-sources.js';

/** The verdict on one document, as `meshctl validate -o json` prints it. */
export interface DocumentVerdict {
  source: string;
  /** 1-based position in its file. */
  document: number;
  kind: string;
  namespace?: string;
  name?: string;
  result: 'valid' | 'invalid' | 'skipped';
  errors: FieldViolation[];
  warnings: string[];
  /** Why a document was skipped. */
  reason?: string;
}

/** Options of {@link runValidate}. */
export interface ValidateOptions {
  files: readonly string[];
  /** Given to documents that name no namespace. */
  namespace?: string;
  output?: string;
}

const ISTIO_GROUP = /^[a-z0-9.-]+\.istio\.io\//;

/**
 * `meshctl validate -f …`: checks documents offline with the rules Galley applies on write
 * (shared-api `validateResource`). Prints every refused document with each field and rule, and
 * warnings; documents of non-Istio kinds are skipped and listed. Exit 1 when any is invalid.
 */
export function runValidate(opts: ValidateOptions, io: CliIo): number {
  if (opts.files.length === 0) {
    io.err('meshctl validate: give at least one -f <file|dir|->\n');
    return 2;
  }
  const verdicts = readSourceDocuments(opts.files, io.stdin).map((d): DocumentVerdict => {
    const base = { source: d.source, document: d.index, errors: [], warnings: [] };
    if (d.error !== undefined) return { ...base, kind: '', result: 'invalid', errors: [{ field: '(document)', message: d.error }] };
    const doc = (typeof d.doc === 'object' && d.doc !== null ? d.doc : {}) as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
    const kind = typeof doc.kind === 'string' ? doc.kind : '';
    const name = typeof doc.metadata?.name === 'string' ? doc.metadata.name : undefined;
    const namespace = typeof doc.metadata?.namespace === 'string' ? doc.metadata.namespace : (opts.namespace ?? 'default');
    const id = { kind, namespace, ...(name !== undefined ? { name } : {}) };
    if (typeof doc.apiVersion === 'string' && !ISTIO_GROUP.test(doc.apiVersion)) {
      return { ...base, ...id, result: 'skipped', reason: `${doc.apiVersion} is not Istio config` };
    }
    const r = validateResource(d.doc, opts.namespace ?? 'default');
    return r.ok ? { ...base, ...id, result: 'valid', warnings: r.warnings } : { ...base, ...id, result: 'invalid', errors: r.errors };
  });
  const count = (r: DocumentVerdict['result']) => verdicts.filter((v) => v.result === r).length;
  const summary = { valid: count('valid'), invalid: count('invalid'), skipped: count('skipped') };

  if (opts.output === 'json' || opts.output === 'yaml') {
    const report = { ...summary, documents: verdicts };
    io.out(opts.output === 'json' ? JSON.stringify(report, null, 2) + '\n' : stringify(report));
  } else {
    for (const v of verdicts) {
      const what = `${v.source}${v.document > 0 ? ` (document ${v.document})` : ''}: ${describe(v)}`;
      if (v.result === 'invalid') {
        io.err(`${what} is invalid:\n`);
        for (const e of v.errors) io.err(`  ${e.field}: ${e.message}\n`);
      } else if (v.result === 'skipped') io.err(`${what} skipped: ${v.reason ?? ''}\n`);
      else io.out(`${what} is valid\n`);
      for (const w of v.warnings) io.err(`Warning: ${what}: ${w}\n`);
    }
    io.out(`${summary.valid} valid, ${summary.invalid} invalid, ${summary.skipped} skipped (not Istio config)\n`);
  }
  return summary.invalid > 0 ? 1 : 0;
}

function describe(v: DocumentVerdict): string {
  if (!v.kind && v.name === undefined) return 'document';
  return `${v.kind || '(no kind)'} ${v.namespace ?? 'default'}/${v.name ?? '(no name)'}`;
}
