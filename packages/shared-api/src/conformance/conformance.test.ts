import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { validateResource } from '../config/validate.js';
import { classify } from './classify.js';
import { quoteGoYamlFlowScalars } from './go-yaml-compat.js';

/** The repository root: the nearest directory above this file holding pnpm-workspace.yaml. */
function repositoryRoot(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no pnpm-workspace.yaml above ${__dirname}: cannot find the repository root`);
  }
}

// `./dev test` sets MESH_CONFORMANCE_DIR; run alone, the corpus is looked for beside the repository.
const CORPUS_DIR = process.env['MESH_CONFORMANCE_DIR'] ?? resolve(repositoryRoot(), '..', 'shared', 'conformance', 'istio');
if (!existsSync(CORPUS_DIR)) {
  // Never skip: a missing corpus means the suite proves nothing.
  throw new Error(`the Istio conformance corpus is missing: expected YAML files in ${CORPUS_DIR}`);
}
const FILES = readdirSync(CORPUS_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
if (FILES.length === 0) throw new Error(`the Istio conformance corpus at ${CORPUS_DIR} holds no .yaml files`);

const counts = { accepted: 0, supporting: 0, rejected: 0, knownInvalid: 0, skipped: 0, empty: 0 };
const skippedByKind = new Map<string, number>();
const failedFiles: string[] = [];

/** One document of a corpus file: parsed, or the parse error, with its source text. */
interface CorpusDocument {
  index: number;
  doc?: unknown;
  parseError?: string;
  text: string;
}

/** The documents of one file; empty documents (a trailing `---`) are dropped and counted. */
function documents(file: string): CorpusDocument[] {
  const text = quoteGoYamlFlowScalars(readFileSync(join(CORPUS_DIR, file), 'utf8'));
  return parseAllDocuments(text, { logLevel: 'error' }).flatMap((d, index): CorpusDocument[] => {
    const source = d.range ? text.slice(d.range[0], d.range[2]) : '';
    if (d.errors.length > 0) return [{ index, parseError: d.errors[0]!.message.split('\n')[0]!, text: source }];
    const doc: unknown = d.toJS();
    if (doc === null || doc === undefined) {
      counts.empty++;
      return [];
    }
    return [{ index, doc, text: source }];
  });
}

function skip(label: string): void {
  counts.skipped++;
  skippedByKind.set(label, (skippedByKind.get(label) ?? 0) + 1);
}

describe('Istio conformance corpus', () => {
  afterAll(() => {
    const kinds = [...skippedByKind.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `    ${n} × ${k}`);
    process.stdout.write(
      [
        `Istio conformance corpus (${CORPUS_DIR}): ${FILES.length} files`,
        `  accepted:              ${counts.accepted} (${counts.supporting} of them valid objects an invalid one refers to; see known-invalid.ts)`,
        `  rejected as expected:  ${counts.rejected} (documents of the *-invalid.yaml files)`,
        `  known invalid:         ${counts.knownInvalid} (analyzer fixtures Istio's own validation rejects; see known-invalid.ts)`,
        `  skipped (not Istio):   ${counts.skipped}`,
        ...kinds,
        `  empty documents:       ${counts.empty}`,
        `  files with failures:   ${failedFiles.length}${failedFiles.length ? `\n    ${failedFiles.join('\n    ')}` : ''}`,
        '',
      ].join('\n'),
    );
  });

  it.each(FILES)('%s', (file) => {
    const failures: string[] = [];
    for (const { index, doc, parseError, text } of documents(file)) {
      if (parseError !== undefined) {
        // Only non-config documents (Galley's Go-template test expectations) fail to parse.
        if (/^(apiVersion|kind):/m.test(text)) failures.push(`#${index}: YAML does not parse: ${parseError}`);
        else skip('(unparsable, no kind: a test expectation)');
        continue;
      }
      const exp = classify(file, doc);
      if (exp.kind === 'skip') {
        skip(exp.label);
        continue;
      }
      const r = validateResource(doc);
      const where = `#${index} ${exp.label}`;
      if (exp.kind === 'accept') {
        if (r.ok) {
          counts.accepted++;
          if (exp.supporting) counts.supporting++;
        }
        else failures.push(`${where}: expected accepted, got ${r.errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`);
      } else if (exp.kind === 'known-invalid') {
        if (r.ok) failures.push(`${where}: Istio rejects it (rule ${exp.expect.rule}), but it was accepted`);
        else if (!r.errors.some((e) => e.field === exp.expect.field)) {
          failures.push(`${where}: expected an error at ${exp.expect.field} (rule ${exp.expect.rule}), got ${JSON.stringify(r.errors)}`);
        } else counts.knownInvalid++;
      } else if (r.ok) {
        failures.push(`${where}: expected rejected, but it was accepted`);
      } else if (!r.errors.some((e) => e.field !== '(document)' && e.field !== '')) {
        failures.push(`${where}: rejected, but no error names a field: ${JSON.stringify(r.errors)}`);
      } else counts.rejected++;
    }
    if (failures.length > 0) failedFiles.push(file);
    expect(failures).toEqual([]);
  });
});
