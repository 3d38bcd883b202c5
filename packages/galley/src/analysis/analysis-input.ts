import type { ConfigResource } from '@mesh/shared-api';
import { inventoryFromKubernetes, isInventoryKind } from './kube-inventory.js';
import { obj, str } from './spec-access.js';
import type { InventorySnapshot } from './snapshot.js';

const ISTIO_API_VERSION = /^[a-z0-9.-]+\.istio\.io\/[a-z0-9]+$/;

/** A document analyze did not use, and why. */
export interface SkippedDocument {
  /** 0-based position among the documents given. */
  index: number;
  kind: string;
  name?: string;
  reason: string;
}

/** Documents sorted for analysis: Istio config, inventory, and what was skipped. */
export interface AnalysisInput {
  resources: ConfigResource[];
  inventory: InventorySnapshot;
  skipped: SkippedDocument[];
}

/**
 * Sorts documents given to analyze (`istioctl analyze -f` style): Istio config (any `*.istio.io`
 * group, valid or not — the schema analyzer judges it) is analysed as if applied, with
 * `defaultNamespace` where it names none; core/v1 Services and Pods feed the inventory; anything
 * else is skipped with a reason. Pure.
 */
export function analysisInput(docs: readonly unknown[], defaultNamespace: string, domainSuffix: string): AnalysisInput {
  const resources: ConfigResource[] = [];
  const inventoryDocs: unknown[] = [];
  const skipped: SkippedDocument[] = [];
  for (const [index, d] of docs.entries()) {
    const doc = obj(d);
    const kind = str(doc?.['kind']) ?? '';
    const apiVersion = str(doc?.['apiVersion']) ?? '';
    const meta = obj(doc?.['metadata']);
    const name = str(meta?.['name']);
    if (!doc) {
      skipped.push({ index, kind, reason: 'not an object' });
    } else if (isInventoryKind(doc)) {
      inventoryDocs.push(doc);
    } else if (ISTIO_API_VERSION.test(apiVersion) && kind && name) {
      resources.push({
        apiVersion,
        kind,
        metadata: { ...(meta as Partial<ConfigResource['metadata']>), name, namespace: str(meta?.['namespace']) ?? defaultNamespace },
        spec: obj(doc['spec']) ?? {},
      });
    } else {
      skipped.push({
        index,
        kind,
        ...(name ? { name } : {}),
        reason: ISTIO_API_VERSION.test(apiVersion) ? 'metadata.name or kind is missing' : 'not Istio config; of other kinds only core/v1 Services and Pods are read (as inventory)',
      });
    }
  }
  return { resources, inventory: inventoryFromKubernetes(inventoryDocs, domainSuffix, defaultNamespace), skipped };
}
