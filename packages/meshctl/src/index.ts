/** @mesh/meshctl: the CLI, and the Galley client it is built on (also used by the local launcher). */
export { runCli, table } from './cli.js';
export type { CliIo } from './cli.js';
export { readDocuments } from './documents.js';
export { GalleyClient, GalleyError } from './galley-client.js';
export type { ApplyOutcome } from './galley-client.js';
export { formatSyncz, syncState } from './proxy-status.js';
export type { SyncEntry } from './proxy-status.js';
