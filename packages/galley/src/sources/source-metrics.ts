import type { ProcessMetrics } from '@mesh/runtime';

/** What the config sources (Kubernetes watch, directory) count. */
export interface SourceMetrics {
  /** One object written or deleted by a source, by source, kind and operation (create, update, delete). */
  recordWrite(source: string, kind: string, op: 'create' | 'update' | 'delete'): void;
  /** One object a source refused as invalid (not stored), by source and kind. */
  recordRejected(source: string, kind: string): void;
  /** One object a source left alone because another source or the API owns it. */
  recordConflict(source: string, kind: string): void;
  /** One directory file refused as a whole (invalid document, conflict or failed write). */
  recordFileRejected(): void;
  /** One Kubernetes list/watch restart of a kind, by reason (relist-410, error, ended). */
  recordWatchRestart(kind: string, reason: string): void;
}

/**
 * Source counters on the process meter: `galley_source_writes_total`, `galley_source_rejected_total`,
 * `galley_source_conflicts_total`, `galley_config_dir_files_rejected_total`, `galley_kube_watch_restarts_total`.
 */
export function createSourceMetrics(meter: ProcessMetrics['meter']): SourceMetrics {
  const writes = meter.createCounter('galley_source_writes_total', { description: 'objects written or deleted by a config source, by source, kind and op' });
  const rejected = meter.createCounter('galley_source_rejected_total', { description: 'objects a config source refused as invalid, by source and kind' });
  const conflicts = meter.createCounter('galley_source_conflicts_total', {
    description: 'objects a config source left alone because another source or the API owns them, by source and kind',
  });
  const files = meter.createCounter('galley_config_dir_files_rejected_total', { description: 'config directory files refused as a whole' });
  const restarts = meter.createCounter('galley_kube_watch_restarts_total', { description: 'Kubernetes list/watch restarts, by kind and reason' });
  return {
    recordWrite: (source, kind, op) => writes.add(1, { source, kind, op }),
    recordRejected: (source, kind) => rejected.add(1, { source, kind }),
    recordConflict: (source, kind) => conflicts.add(1, { source, kind }),
    recordFileRejected: () => files.add(1),
    recordWatchRestart: (kind, reason) => restarts.add(1, { kind, reason }),
  };
}

/** Metrics that record nothing. */
export const NOOP_SOURCE_METRICS: SourceMetrics = Object.freeze({
  recordWrite: () => undefined,
  recordRejected: () => undefined,
  recordConflict: () => undefined,
  recordFileRejected: () => undefined,
  recordWatchRestart: () => undefined,
});
