import type { ConfigResource } from '@mesh/shared-api';
import { ALL_ANALYZERS, CROSS_RESOURCE_ANALYZERS } from './analyzers/index.js';
import type { Analyzer } from './analyzers/analyzer.js';
import { dependentsOf } from './dependents.js';
import { compareMessages, messageKey } from './messages.js';
import type { AnalysisMessage, ResourceRef } from './messages.js';
import { ConfigIndex, configLookup, LayeredConfig } from './config-index.js';
import { MeshView } from './mesh-view.js';
import { resourceKey } from './spec-access.js';
import type { AnalysisSnapshot } from './snapshot.js';

/** Options of {@link analyze}. */
export interface AnalyzeOptions {
  /** Report only messages about objects in this namespace (all objects are still read). */
  namespace?: string;
  /** Defaults to every analyzer. */
  analyzers?: readonly Analyzer[];
  /** Keys (`resourceKey`) of the objects to judge; all objects when undefined. */
  focus?: ReadonlySet<string>;
}

/**
 * Runs analyzers over a snapshot and returns their messages, deduplicated and sorted. Analyzers
 * that need the inventory are skipped while it is unavailable. Pure.
 */
export function analyze(snapshot: AnalysisSnapshot, opts: AnalyzeOptions = {}): AnalysisMessage[] {
  return analyzeView(new MeshView(snapshot, opts.focus), opts);
}

function analyzeView(view: MeshView, opts: AnalyzeOptions): AnalysisMessage[] {
  const seen = new Set<string>();
  const out: AnalysisMessage[] = [];
  for (const analyzer of opts.analyzers ?? ALL_ANALYZERS) {
    if (analyzer.needsInventory && !view.inventoryAvailable) continue;
    for (const m of analyzer.analyze(view)) {
      if (opts.namespace !== undefined && m.origin.namespace !== opts.namespace) continue;
      const key = messageKey(m);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(m);
    }
  }
  return out.sort(compareMessages);
}

/**
 * The findings a write is responsible for: in the snapshot as it would be after writing
 * `written` over `before`, the messages about the written objects, plus messages about other
 * objects that the write newly caused (present after, absent before) — such as the other side of
 * a host conflict. Only the written objects and those whose findings they can change are judged,
 * through indexes, so a write costs the same however large the rest of the config is. Pure.
 */
export function admissionMessages(before: AnalysisSnapshot, written: readonly ConfigResource[], analyzers: readonly Analyzer[] = CROSS_RESOURCE_ANALYZERS): AnalysisMessage[] {
  const base = configLookup(before.config, before.domainSuffix);
  const top = new ConfigIndex(before.domainSuffix, written);
  const afterView = new MeshView({ ...before, config: new LayeredConfig(base, top) });
  const writtenKeys = new Set(written.map(resourceKey));
  const focus = new Set([...writtenKeys, ...dependentsOf(afterView, written)]);
  const isWritten = (r: ResourceRef): boolean => writtenKeys.has(`${r.kind}/${r.namespace}/${r.name}`);
  const now = analyzeView(afterView.focused(focus), { analyzers });
  if (now.every((m) => isWritten(m.origin))) return now;
  const earlier = new Set(analyze({ ...before, config: base }, { analyzers, focus }).map(messageKey));
  return now.filter((m) => isWritten(m.origin) || !earlier.has(messageKey(m)));
}
