/** @mesh/meshctl: the CLI, and the Galley client it is built on (also used by the local launcher). */
export { runCli, table } from './cli.js';
export type { CliIo } from './cli.js';
export { readDocuments } from './documents.js';
export { GalleyClient, GalleyError } from './galley-client.js';
export type { ApplyOutcome } from './galley-client.js';
export { formatSyncz, syncState } from './proxy-status.js';
export type { SyncEntry } from './proxy-status.js';
export { EXIT_ANALYZER_FOUND_ISSUES, runAnalyze } from './analyze-command.js';
export type { AnalysisLevel, AnalysisMessageView, AnalysisReportView, AnalyzeOptions } from './analyze-command.js';
export { runValidate } from './validate-command.js';
export type { DocumentVerdict, ValidateOptions } from './validate-command.js';
export { readSourceDocuments } from './yaml-sources.js';
export type { SourceDocument } from './yaml-sources.js';
