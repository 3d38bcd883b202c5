import type { AdapterInfoSpec, AttributeManifestSpec, HandlerSpec, InstanceSpec, RuleSpec, TemplateSpec } from '../../config/policy.js';
import { ADAPTER_PARAMS, OTHER_ADAPTERS } from '../../schemas/policy/adapters.js';
import {
  adapterInfoSpecSchema,
  attributeManifestSpecSchema,
  handlerSpecSchema,
  instanceSpecSchema,
  ruleSpecSchema,
  templateSpecSchema,
} from '../../schemas/policy/config.js';
import { OTHER_TEMPLATES, TEMPLATE_PARAMS } from '../../schemas/policy/templates.js';
import type { SemanticValidator } from '../semantic.js';
import { at, Findings, normalize } from '../security/fields.js';
import { checkAdapterParams } from './adapter-params.js';
import { checkAgainstSchema, checkExpression, checkExpressionLeaves } from './params.js';

/* Istio 1.4's config.istio.io rules (Mixer's config validation as Galley ran it). */

const KNOWN_ADAPTERS = [...Object.keys(ADAPTER_PARAMS), ...OTHER_ADAPTERS];
const KNOWN_TEMPLATES = [...Object.keys(TEMPLATE_PARAMS), ...OTHER_TEMPLATES];

/** rule: `match` is a boolean CEXL expression; each action names a handler and at least one instance. */
export const validateRule: SemanticValidator = (raw) => {
  const f = new Findings();
  const spec = normalize<RuleSpec>(raw, ruleSpecSchema, f);
  if (spec.match) checkExpression(spec.match, 'spec.match', f, true);
  spec.actions?.forEach((a, i) => {
    const p = at('spec.actions', i);
    if (!a.handler) f.error(at(p, 'handler'), 'an action must name the handler to call');
    if (!a.instances || a.instances.length === 0) f.error(at(p, 'instances'), 'an action must list at least one instance to send to the handler');
    a.instances?.forEach((name, j) => {
      if (name === '') f.error(at(at(p, 'instances'), j), 'must name an instance');
    });
  });
  for (const field of ['requestHeaderOperations', 'responseHeaderOperations'] as const) {
    spec[field]?.forEach((op, i) => {
      const p = at(at('spec', field), i);
      if (!op.name) f.error(at(p, 'name'), 'must name the header to operate on');
      op.values?.forEach((v, j) => checkExpression(v, at(at(p, 'values'), j), f));
    });
  }
  const attr = spec.sampling?.random?.attributeExpression;
  if (attr) checkExpression(attr, 'spec.sampling.random.attributeExpression', f);
  if (!spec.actions?.length && !spec.requestHeaderOperations?.length && !spec.responseHeaderOperations?.length) {
    f.warn('spec.actions', 'the rule has no actions or header operations, so it does nothing');
  }
  return f;
};

/** instance: compiledTemplate or template; params fit the template and are CEXL expressions. */
export const validateInstance: SemanticValidator = (raw) => {
  const f = new Findings();
  const spec = normalize<InstanceSpec>(raw, instanceSpecSchema, f);
  // Mixer uses compiledTemplate when both are set.
  if (!spec.compiledTemplate && !spec.template) f.error('spec.compiledTemplate', 'set compiledTemplate (a template built into Mixer) or template (an out-of-process template)');
  if (spec.compiledTemplate && spec.template) f.warn('spec.template', 'is ignored because compiledTemplate is set');
  const name = spec.compiledTemplate;
  if (name && !KNOWN_TEMPLATES.includes(name)) f.error('spec.compiledTemplate', `unknown template "${name}"; Mixer's templates are ${KNOWN_TEMPLATES.join(', ')}`);
  const schema = name ? TEMPLATE_PARAMS[name] : undefined;
  if (schema === undefined || checkAgainstSchema(spec.params ?? {}, schema, 'spec.params', f)) {
    checkExpressionLeaves(spec.params, 'spec.params', f);
  }
  for (const [attribute, expr] of Object.entries(spec.attributeBindings ?? {})) checkExpression(expr, at('spec.attributeBindings', attribute), f);
  return f;
};

/** handler: compiledAdapter or adapter; params fit the adapter. */
export const validateHandler: SemanticValidator = (raw) => {
  const f = new Findings();
  const spec = normalize<HandlerSpec>(raw, handlerSpecSchema, f);
  // Mixer uses compiledAdapter when both are set.
  if (!spec.compiledAdapter && !spec.adapter) f.error('spec.compiledAdapter', 'set compiledAdapter (an adapter built into Mixer) or adapter (an out-of-process adapter)');
  if (spec.compiledAdapter && spec.adapter) f.warn('spec.adapter', 'is ignored because compiledAdapter is set');
  const name = spec.compiledAdapter;
  if (name && !KNOWN_ADAPTERS.includes(name)) f.error('spec.compiledAdapter', `unknown adapter "${name}"; Mixer's adapters are ${KNOWN_ADAPTERS.join(', ')}`);
  if (name) checkAdapterParams(name, spec.params, 'spec.params', f);
  if (spec.connection && spec.compiledAdapter) f.warn('spec.connection', 'connection is only used for out-of-process adapters (spec.adapter)');
  return f;
};

/** attributemanifest: every attribute declares a value type. */
export const validateAttributeManifest: SemanticValidator = (raw) => {
  const f = new Findings();
  const spec = normalize<AttributeManifestSpec>(raw, attributeManifestSpecSchema, f);
  for (const [name, info] of Object.entries(spec.attributes ?? {})) {
    if (info.valueType === undefined || info.valueType === 'VALUE_TYPE_UNSPECIFIED' || info.valueType === 0) {
      f.error(at(at('spec.attributes', name), 'valueType'), 'must be a known value type such as STRING, INT64, BOOL, IP_ADDRESS or STRING_MAP');
    }
  }
  return f;
};

function checkBase64(value: string | undefined, path: string, f: Findings): void {
  if (value !== undefined && !/^[A-Za-z0-9+/]*={0,2}$/.test(value.replace(/\s/g, ''))) f.error(path, 'must be a base64-encoded FileDescriptorSet');
}

/** adapter (descriptor of an out-of-process adapter): config is base64. */
export const validateAdapterInfo: SemanticValidator = (raw) => {
  const f = new Findings();
  const spec = normalize<AdapterInfoSpec>(raw, adapterInfoSpecSchema, f);
  checkBase64(spec.config, 'spec.config', f);
  return f;
};

/** template (descriptor of an out-of-process template): descriptor is base64. */
export const validateTemplate: SemanticValidator = (raw) => {
  const f = new Findings();
  const spec = normalize<TemplateSpec>(raw, templateSpecSchema, f);
  checkBase64(spec.descriptor, 'spec.descriptor', f);
  return f;
};
