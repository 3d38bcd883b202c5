import { stringify } from 'yaml';
import type { CliIo } from './cli.js';
import { table } from './cli.js';
import type { GalleyClient } from './galley-client.js';
import { readSourceDocuments } from './yaml-sources.js';

/** Severity of an analysis message. */
export type AnalysisLevel = 'Error' | 'Warning' | 'Info';

/** One message of Galley's analyze endpoint. */
export interface AnalysisMessageView {
  code: string;
  name?: string;
  level: AnalysisLevel;
  resource: string;
  field: string;
  message: string;
}

/** What `GET|POST /apis/galley.mesh.io/v1/analyze` answers (the fields meshctl reads). */
export interface AnalysisReportView {
  messages: AnalysisMessageView[];
  inventory?: { available: boolean };
  skipped?: Array<{ index: number; kind: string; name?: string; reason: string }>;
}

/** `istioctl analyze`'s exit code when messages at or above the failure threshold were found (for CI). */
export const EXIT_ANALYZER_FOUND_ISSUES = 79;

const LEVELS: readonly AnalysisLevel[] = ['Error', 'Warning', 'Info'];

/** Options of {@link runAnalyze}. */
export interface AnalyzeOptions {
  files: readonly string[];
  /** Report on this namespace (also the default of documents without one); undefined with `-A`. */
  namespace: string | undefined;
  output?: string;
  /** Lowest level that fails the command (default Warning, as `istioctl analyze` in Istio 1.4). */
  failureThreshold?: string;
}

/**
 * `meshctl analyze [-f …] [-n ns | -A]`: asks Galley to analyse its stored config, with the
 * given files analysed as if applied. Prints a table (or `-o json|yaml`: the message list). Exit
 * code as `istioctl analyze`: 0 when nothing reaches the failure threshold (only Info by default),
 * 79 when something does, 1 when Galley cannot answer, 2 for usage errors.
 */
export async function runAnalyze(galley: GalleyClient, opts: AnalyzeOptions, io: CliIo): Promise<number> {
  const threshold = LEVELS.find((l) => l.toLowerCase() === (opts.failureThreshold ?? 'Warning').toLowerCase());
  if (!threshold) {
    io.err(`meshctl analyze: --failure-threshold ${opts.failureThreshold ?? ''}: use Error, Warning or Info\n`);
    return 2;
  }
  let documents: unknown[] | undefined;
  if (opts.files.length > 0) {
    const read = readSourceDocuments(opts.files, io.stdin);
    const broken = read.filter((d) => d.error !== undefined);
    for (const d of broken) io.err(`${d.source}${d.index > 0 ? ` (document ${d.index})` : ''}: ${d.error ?? ''}\n`);
    if (broken.length > 0) return 1;
    documents = read.map((d) => d.doc);
  }
  const report = (await galley.analyze(opts.namespace, documents)) as unknown as AnalysisReportView;
  const messages = report.messages ?? [];
  if (opts.output === 'json') io.out(JSON.stringify(messages, null, 2) + '\n');
  else if (opts.output === 'yaml') io.out(stringify(messages));
  else {
    const where = opts.namespace !== undefined ? `namespace ${opts.namespace}` : 'all namespaces';
    if (messages.length === 0) io.out(`No validation issues found when analyzing ${where}.\n`);
    else io.out(table(['CODE', 'LEVEL', 'RESOURCE', 'MESSAGE'], messages.map((m) => [m.code, m.level, m.resource, m.field ? `${m.field}: ${m.message}` : m.message])));
  }
  for (const s of report.skipped ?? []) io.err(`Skipped document ${s.index + 1} (${s.kind || 'no kind'}${s.name ? ` ${s.name}` : ''}): ${s.reason}\n`);
  if (report.inventory && !report.inventory.available) {
    io.err('Note: no mesh registry is published yet (is Pilot running?): hosts, subset workloads and gateway selectors were not checked.\n');
  }
  const failing = messages.filter((m) => LEVELS.indexOf(m.level) <= LEVELS.indexOf(threshold));
  if (failing.length > 0 && opts.output === undefined) io.err(`Analyzers found ${failing.length} issue${failing.length > 1 ? 's' : ''} at or above ${threshold} level.\n`);
  return failing.length > 0 ? EXIT_ANALYZER_FOUND_ISSUES : 0;
}
