import { SPEC_SCHEMAS } from '../../schemas/index.js';
import { ADAPTER_PARAMS } from '../../schemas/policy/adapters.js';
import { TEMPLATE_PARAMS } from '../../schemas/policy/templates.js';
import { Findings, normalize } from '../security/fields.js';

/**
 * A validated spec as consumers (Pilot, Mixer) should read it: `null` fields dropped and Istio 1.4
 * proto field names (`compiled_adapter`, `instance_name`) renamed to their JSON names, including
 * inside a handler's or instance's params for the adapters and templates whose fields are known.
 * Storage keeps what the user wrote; this is the read-side view.
 */
export function canonicalSpec(kind: string, spec: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const schema = SPEC_SCHEMAS[kind];
  if (!schema) return { ...spec };
  const ignored = new Findings();
  const out = normalize<Record<string, unknown>>(spec, schema, ignored);
  const paramsSchema =
    kind === 'handler' ? ADAPTER_PARAMS[out['compiledAdapter'] as string] : kind === 'instance' ? TEMPLATE_PARAMS[out['compiledTemplate'] as string] : undefined;
  if (paramsSchema && typeof out['params'] === 'object' && out['params'] !== null) out['params'] = normalize(out['params'], paramsSchema, ignored, 'spec.params');
  return out;
}
