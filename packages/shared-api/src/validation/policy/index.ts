import { ADAPTER_PARAMS } from '../../schemas/policy/adapters.js';
import { OTHER_TEMPLATES, TEMPLATE_PARAMS } from '../../schemas/policy/templates.js';
import type { SemanticValidator } from '../semantic.js';
import { Findings } from '../security/fields.js';
import { checkAdapterParams } from './adapter-params.js';
import { validateHttpApiSpec, validateHttpApiSpecBinding, validateQuotaSpec, validateQuotaSpecBinding } from './client-config.js';
import { validateAdapterInfo, validateAttributeManifest, validateHandler, validateInstance, validateRule, validateTemplate } from './mixer-config.js';
import { checkExpressionLeaves } from './params.js';

/** A legacy per-adapter kind: its spec is the adapter's params (the schema already ran). */
function legacyAdapter(adapter: string): SemanticValidator {
  return (raw) => {
    const f = new Findings();
    checkAdapterParams(adapter, raw, 'spec', f, true);
    return f;
  };
}

/** A legacy per-template kind: its spec is the instance params, every field a CEXL expression. */
const legacyTemplate: SemanticValidator = (raw) => {
  const f = new Findings();
  checkExpressionLeaves(raw, 'spec', f);
  return f;
};

/** Semantic rules of the policy kinds, by kind. */
export const POLICY_VALIDATORS: Readonly<Record<string, SemanticValidator>> = {
  rule: validateRule,
  instance: validateInstance,
  handler: validateHandler,
  attributemanifest: validateAttributeManifest,
  adapter: validateAdapterInfo,
  template: validateTemplate,
  HTTPAPISpec: validateHttpApiSpec,
  HTTPAPISpecBinding: validateHttpApiSpecBinding,
  QuotaSpec: validateQuotaSpec,
  QuotaSpecBinding: validateQuotaSpecBinding,
  ...Object.fromEntries(Object.keys(ADAPTER_PARAMS).map((a) => [a, legacyAdapter(a)])),
  ...Object.fromEntries([...Object.keys(TEMPLATE_PARAMS), ...OTHER_TEMPLATES].map((t) => [t, legacyTemplate])),
};
