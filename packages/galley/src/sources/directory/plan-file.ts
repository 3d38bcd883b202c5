import { KINDS, splitApiVersion } from '@mesh/shared-api';
import type { ConfigResource, KindInfo } from '@mesh/shared-api';
import { originAnnotations } from '../ownership.js';
import type { Origin } from '../ownership.js';
import { admitFromSource } from '../submitted-object.js';
import type { DocumentProblem } from './parse-config-file.js';
import { parseConfigFile } from './parse-config-file.js';

/** One admitted object of a file. */
export interface PlannedObject {
  readonly kind: KindInfo;
  readonly object: ConfigResource;
}

/** A file's admitted objects (and documents skipped as not mesh config), or every problem found in it. */
export type FilePlan =
  | { ok: true; objects: PlannedObject[]; skipped: { document: number; apiVersion: string; kind: string }[]; warnings: string[] }
  | { ok: false; problems: DocumentProblem[] };

const MESH_GROUPS = new Set(KINDS.map((k) => k.group));

/**
 * Parses a file and admits each document through the API's validation, with no I/O. Every
 * problem in the file is reported (syntax, invalid fields, an object defined twice) and any one
 * of them fails the file as a whole. Documents of other APIs (a Service, a Deployment) are
 * skipped so mesh config can live beside the manifests it belongs with; documents of an
 * `*.istio.io` group this build does not know are problems, not skips.
 */
export function planFile(text: string, origin: Origin, defaultNamespace = 'default'): FilePlan {
  const parsed = parseConfigFile(text);
  if (!parsed.ok) return parsed;
  const problems: DocumentProblem[] = [];
  const objects: PlannedObject[] = [];
  const skipped: { document: number; apiVersion: string; kind: string }[] = [];
  const warnings: string[] = [];
  const seen = new Map<string, number>();
  for (const doc of parsed.documents) {
    const v = doc.value as { apiVersion?: unknown; kind?: unknown } | null;
    const apiVersion = typeof v?.apiVersion === 'string' ? v.apiVersion : '';
    const kindName = typeof v?.kind === 'string' ? v.kind : '';
    const [group] = splitApiVersion(apiVersion);
    if (apiVersion && kindName && !MESH_GROUPS.has(group) && !group.endsWith('istio.io')) {
      skipped.push({ document: doc.document, apiVersion, kind: kindName });
      continue;
    }
    const result = admitFromSource(doc.value, { defaultNamespace, annotations: originAnnotations(origin) });
    if (!result.ok) {
      problems.push({ document: doc.document, line: doc.line, kind: result.kindName, name: result.name, message: result.error.message, fields: result.error.violations });
      continue;
    }
    const meta = result.object.metadata;
    const key = `${result.kind.group}/${result.kind.kind}/${meta.namespace ?? ''}/${meta.name}`;
    const first = seen.get(key);
    if (first !== undefined) {
      problems.push({ document: doc.document, line: doc.line, kind: result.kind.kind, name: meta.name, message: `${result.kind.kind} ${meta.namespace ?? ''}/${meta.name} is also defined by document ${first} of this file` });
      continue;
    }
    seen.set(key, doc.document);
    warnings.push(...result.warnings.map((w) => `document ${doc.document} (${result.kind.kind} ${meta.name}): ${w}`));
    objects.push({ kind: result.kind, object: result.object });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, objects, skipped, warnings };
}
