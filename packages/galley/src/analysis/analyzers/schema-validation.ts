import { kindByApiVersion, validateResource } from '@mesh/shared-api';
import { MESSAGE_TYPES, newMessage } from '../messages.js';
import type { AnalysisMessage } from '../messages.js';
import type { MeshView } from '../mesh-view.js';
import type { Analyzer } from './analyzer.js';

/**
 * Config that Galley's own validation refuses (IST0106): files given to analyze, or objects stored
 * before a rule was added. One message per violated rule, at its field.
 */
export const schemaValidationAnalyzer: Analyzer = {
  name: 'schema.ValidationAnalyzer',
  description: 'config passes the same schema and semantic rules Galley applies on write',
  needsInventory: false,
  analyze(view: MeshView): AnalysisMessage[] {
    const out: AnalysisMessage[] = [];
    for (const r of view.subjects()) {
      // A kind this build does not serve is not judged here (the analyze endpoint lists it as skipped).
      if (!kindByApiVersion(r.apiVersion, r.kind)) continue;
      const result = validateResource(r, r.metadata.namespace ?? 'default');
      if (result.ok) continue;
      for (const v of result.errors) {
        out.push(newMessage(MESSAGE_TYPES.SchemaValidationError, view.ref(r), v.field, `Schema validation error: ${v.message}. Galley refuses this object until it is fixed.`));
      }
    }
    return out;
  },
};
