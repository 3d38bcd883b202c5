import type { JsonSchema } from '../common.js';
import { struct } from '../security/message.js';
import { ADAPTER_PARAMS, OTHER_ADAPTERS } from './adapters.js';
import { httpApiSpecBindingSchema, httpApiSpecSchema, quotaSpecBindingSchema, quotaSpecSchema } from './client.js';
import {
  adapterInfoSpecSchema,
  attributeManifestSpecSchema,
  handlerSpecSchema,
  instanceSpecSchema,
  ruleSpecSchema,
  templateSpecSchema,
} from './config.js';
import { OTHER_TEMPLATES, TEMPLATE_PARAMS } from './templates.js';

/** Legacy per-adapter / per-template kinds: the spec is the adapter's or template's params. */
function legacySchemas(): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {};
  for (const [name, schema] of Object.entries(ADAPTER_PARAMS)) out[name] = schema;
  for (const [name, schema] of Object.entries(TEMPLATE_PARAMS)) out[name] = schema;
  for (const name of [...OTHER_ADAPTERS, ...OTHER_TEMPLATES]) out[name] = struct;
  return out;
}

/** `spec` schemas of the config.istio.io (Mixer) kinds, by kind. */
export const POLICY_SCHEMAS: Readonly<Record<string, JsonSchema>> = {
  rule: ruleSpecSchema,
  instance: instanceSpecSchema,
  handler: handlerSpecSchema,
  attributemanifest: attributeManifestSpecSchema,
  adapter: adapterInfoSpecSchema,
  template: templateSpecSchema,
  HTTPAPISpec: httpApiSpecSchema,
  HTTPAPISpecBinding: httpApiSpecBindingSchema,
  QuotaSpec: quotaSpecSchema,
  QuotaSpecBinding: quotaSpecBindingSchema,
  ...legacySchemas(),
};
