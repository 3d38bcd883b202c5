import type { HttpApiSpec, HttpApiSpecBinding, IstioService, MixerAttributes, QuotaSpec, QuotaSpecBinding } from '../../config/policy.js';
import { httpApiSpecBindingSchema, httpApiSpecSchema, quotaSpecBindingSchema, quotaSpecSchema } from '../../schemas/policy/client.js';
import type { SemanticValidator } from '../semantic.js';
import { at, Findings, isIstioDns1123Label, normalize } from '../security/fields.js';

/* Istio 1.4's rules for the Mixer client config (HTTPAPISpec, QuotaSpec and their bindings). */

function checkAttributes(attrs: MixerAttributes, path: string, f: Findings): void {
  const entries = Object.entries(attrs.attributes ?? {});
  if (entries.length === 0) f.error(at(path, 'attributes'), 'must list at least one attribute (or remove attributes)');
  for (const [name, value] of entries) {
    const p = at(at(path, 'attributes'), name);
    if (Object.keys(value).length === 0) f.error(p, 'must set a typed value such as stringValue');
    if (value.stringValue === '') f.error(at(p, 'stringValue'), 'must not be empty');
    if (value.bytesValue === '') f.error(at(p, 'bytesValue'), 'must not be empty');
  }
}

/** HTTPAPISpec: at least one pattern, each with an HTTP method and a non-empty template or regex. */
export const validateHttpApiSpec: SemanticValidator = (raw) => {
  const f = new Findings();
  const spec = normalize<HttpApiSpec>(raw, httpApiSpecSchema, f);
  if (spec.attributes) checkAttributes(spec.attributes, 'spec.attributes', f);
  if (!spec.patterns || spec.patterns.length === 0) f.error('spec.patterns', 'at least one pattern must be specified');
  spec.patterns?.forEach((pattern, i) => {
    const p = at('spec.patterns', i);
    if (pattern.attributes) checkAttributes(pattern.attributes, at(p, 'attributes'), f);
    if (!pattern.httpMethod) f.error(at(p, 'httpMethod'), 'must be set (an HTTP method such as GET, or * for any)');
    if (pattern.uriTemplate === '') f.error(at(p, 'uriTemplate'), 'must not be empty');
    if (pattern.regex === '') f.error(at(p, 'regex'), 'must not be empty');
    if (pattern.uriTemplate !== undefined && pattern.regex !== undefined) f.error(at(p, 'regex'), 'set either uriTemplate or regex, not both');
  });
  spec.apiKeys?.forEach((key, i) => {
    for (const [k, v] of Object.entries(key)) if (v === '') f.error(at(at('spec.apiKeys', i), k), 'must not be empty');
  });
  return f;
};

function checkService(svc: IstioService, path: string, f: Findings): void {
  if (!svc.name && !svc.service) f.error(path, 'a service reference needs name (short name) or service (FQDN)');
  else if (svc.name && svc.service) f.error(at(path, 'service'), 'specify either name or service, not both');
  else if (svc.service) {
    if (svc.namespace) f.error(at(path, 'namespace'), 'namespace is not used when service (an FQDN) is set');
    if (svc.domain) f.error(at(path, 'domain'), 'domain is not used when service (an FQDN) is set');
  } else if (svc.name && !isIstioDns1123Label(svc.name)) f.error(at(path, 'name'), `"${svc.name}" must be a service short name (a DNS-1123 label)`);
  if (svc.namespace && !isIstioDns1123Label(svc.namespace)) f.error(at(path, 'namespace'), `"${svc.namespace}" must be a namespace name (a DNS-1123 label)`);
  if (svc.domain && !svc.domain.split('.').every(isIstioDns1123Label)) f.error(at(path, 'domain'), `"${svc.domain}" must be a domain name`);
}

function checkBinding(services: IstioService[] | undefined, refs: Array<{ name?: string; namespace?: string }> | undefined, refsField: string, f: Findings): void {
  if (!services || services.length === 0) f.error('spec.services', 'at least one service must be specified');
  services?.forEach((s, i) => checkService(s, at('spec.services', i), f));
  const refsPath = at('spec', refsField);
  if (!refs || refs.length === 0) f.error(refsPath, 'at least one spec must be referenced');
  refs?.forEach((r, i) => {
    if (!r.name) f.error(at(at(refsPath, i), 'name'), 'must name the referenced spec');
    if (r.namespace && !isIstioDns1123Label(r.namespace)) f.error(at(at(refsPath, i), 'namespace'), `"${r.namespace}" must be a namespace name (a DNS-1123 label)`);
  });
}

/** HTTPAPISpecBinding: services and the HTTPAPISpecs bound to them. */
export const validateHttpApiSpecBinding: SemanticValidator = (raw) => {
  const f = new Findings();
  const spec = normalize<HttpApiSpecBinding>(raw, httpApiSpecBindingSchema, f);
  checkBinding(spec.services, spec.apiSpecs, 'apiSpecs', f);
  return f;
};

/** QuotaSpec: at least one rule, each charging at least one named quota a positive amount. */
export const validateQuotaSpec: SemanticValidator = (raw) => {
  const f = new Findings();
  const spec = normalize<QuotaSpec>(raw, quotaSpecSchema, f);
  if (!spec.rules || spec.rules.length === 0) f.error('spec.rules', 'at least one rule must be specified');
  spec.rules?.forEach((rule, i) => {
    const p = at('spec.rules', i);
    rule.match?.forEach((m, j) => {
      for (const [attr, clause] of Object.entries(m.clause ?? {})) {
        const cp = at(at(at(at(p, 'match'), j), 'clause'), attr);
        if (Object.keys(clause).length === 0) f.error(cp, 'set one of exact, prefix or regex');
        for (const [k, v] of Object.entries(clause)) if (v === '') f.error(at(cp, k), `must not be empty (attribute ${attr})`);
      }
    });
    if (!rule.quotas || rule.quotas.length === 0) f.error(at(p, 'quotas'), 'at least one quota must be specified');
    rule.quotas?.forEach((q, j) => {
      const qp = at(at(p, 'quotas'), j);
      if (!q.quota) f.error(at(qp, 'quota'), 'must name the quota to charge');
      if (!((q.charge ?? 0) > 0)) f.error(at(qp, 'charge'), 'must be a positive amount');
    });
  });
  return f;
};

/** QuotaSpecBinding: services and the QuotaSpecs bound to them. */
export const validateQuotaSpecBinding: SemanticValidator = (raw) => {
  const f = new Findings();
  const spec = normalize<QuotaSpecBinding>(raw, quotaSpecBindingSchema, f);
  checkBinding(spec.services, spec.quotaSpecs, 'quotaSpecs', f);
  return f;
};
