import type { AccessRule, RbacConfigSpec, ServiceRoleBindingSpec, ServiceRoleSpec } from '../../config/security.js';
import { rbacConfigSpecSchema, serviceRoleBindingSpecSchema, serviceRoleSpecSchema } from '../../schemas/security/rbac.js';
import type { SemanticValidator } from '../semantic.js';
import { at, Findings, normalize } from './fields.js';

/*
 * rbac.istio.io/v1alpha1, Istio 1.4's rules (pkg/config/validation in 1.4; not numbered in
 * VALIDATION-RULES.md, which covers the kinds that replaced these).
 */

function checkAccessRules(rules: readonly AccessRule[] | undefined, path: string, f: Findings): void {
  if (!rules || rules.length === 0) f.error(path, 'at least one rule must be specified');
  rules?.forEach((rule, i) => {
    const p = at(path, i);
    if ((rule.methods?.length ?? 0) > 0 && (rule.notMethods?.length ?? 0) > 0) f.error(at(p, 'notMethods'), 'cannot be combined with methods in the same rule');
    if ((rule.ports?.length ?? 0) > 0 && (rule.notPorts?.length ?? 0) > 0) f.error(at(p, 'notPorts'), 'cannot be combined with ports in the same rule');
    for (const field of ['ports', 'notPorts'] as const) {
      rule[field]?.forEach((port, j) => {
        if (port < 1 || port > 65535) f.error(at(at(p, field), j), 'must be a port number 1-65535');
      });
    }
    rule.constraints?.forEach((c, j) => {
      const cp = at(at(p, 'constraints'), j);
      if (!c.key) f.error(at(cp, 'key'), 'must name the attribute to constrain');
      if (!c.values || c.values.length === 0) f.error(at(cp, 'values'), 'at least one value must be specified');
      if (c.key === 'destination.port' && ((rule.ports?.length ?? 0) > 0 || (rule.notPorts?.length ?? 0) > 0)) {
        f.error(at(cp, 'key'), 'destination.port is already set by ports/notPorts in this rule; use one of them');
      }
    });
  });
}

/** ServiceRole: at least one rule; methods/notMethods and ports/notPorts exclusive; valid ports and constraints. */
export const validateServiceRole: SemanticValidator = (raw) => {
  const f = new Findings();
  const spec = normalize<ServiceRoleSpec>(raw, serviceRoleSpecSchema, f);
  checkAccessRules(spec.rules, 'spec.rules', f);
  return f;
};

/** Subject properties that duplicate a first-class subject field. */
const PROPERTY_FIELDS: Readonly<Record<string, 'names' | 'groups' | 'namespaces' | 'ips'>> = {
  'source.principal': 'names',
  'request.auth.claims[groups]': 'groups',
  'source.namespace': 'namespaces',
  'source.ip': 'ips',
};

/** ServiceRoleBinding: subjects that name someone, and exactly one way to name the role. */
export const validateServiceRoleBinding: SemanticValidator = (raw) => {
  const f = new Findings();
  const spec = normalize<ServiceRoleBindingSpec>(raw, serviceRoleBindingSpecSchema, f);
  const subjects = spec.subjects ?? [];
  if (subjects.length === 0) f.error('spec.subjects', 'at least one subject must be specified');
  subjects.forEach((s, i) => {
    const p = at('spec.subjects', i);
    const named = Object.entries(s).some(([, v]) => (typeof v === 'string' ? v !== '' : Array.isArray(v) ? v.length > 0 : Object.keys(v as object).length > 0));
    if (!named) f.error(p, 'an empty subject is not allowed; set user, group, properties, names, namespaces, groups or ips');
    for (const key of Object.keys(s.properties ?? {})) {
      const field = PROPERTY_FIELDS[key];
      if (field && (s[field]?.length ?? 0) > 0) f.error(at(at(p, 'properties'), key), `duplicates ${field} of the same subject; use one of them`);
    }
    if (s.names?.includes('*') || s.notNames?.includes('*')) f.error(at(p, s.names?.includes('*') ? 'names' : 'notNames'), 'do not use "*" in names or notNames; remove the field to match everyone');
  });
  const ways = [spec.roleRef !== undefined, (spec.actions?.length ?? 0) > 0, !!spec.role].filter(Boolean).length;
  if (ways > 1) f.error('spec.roleRef', 'set exactly one of roleRef, role or actions');
  // Istio 1.4 rejects a binding with no role; it grants nothing, so it is only a warning here
  // (Galley's own analyzer test data stores such bindings).
  if (ways === 0) f.warn('spec.roleRef', 'the binding names no role (roleRef, role or actions), so it grants nothing');
  if (spec.roleRef) {
    if (spec.roleRef.kind !== 'ServiceRole') f.error('spec.roleRef.kind', `must be "ServiceRole" (got "${spec.roleRef.kind ?? ''}")`);
    if (!spec.roleRef.name) f.error('spec.roleRef.name', 'must name the ServiceRole to bind');
  }
  if (spec.role === '/') f.error('spec.role', 'must name a ServiceRole ("name" or "/name" for the root namespace)');
  if ((spec.actions?.length ?? 0) > 0) checkAccessRules(spec.actions, 'spec.actions', f);
  return f;
};

/** RbacConfig and ClusterRbacConfig: named "default"; inclusion/exclusion present for the modes that use them. */
export const validateRbacConfig: SemanticValidator = (raw, ctx) => {
  const f = new Findings();
  const spec = normalize<RbacConfigSpec>(raw, rbacConfigSpecSchema, f);
  if (ctx.name !== 'default') f.error('metadata.name', `a ${ctx.kind.kind} must be named "default"`);
  if ((spec.mode === 'ON_WITH_INCLUSION' || spec.mode === 2) && spec.inclusion === undefined) {
    f.error('spec.inclusion', 'mode ON_WITH_INCLUSION needs inclusion (use "inclusion: {}" for none)');
  }
  if ((spec.mode === 'ON_WITH_EXCLUSION' || spec.mode === 3) && spec.exclusion === undefined) {
    f.error('spec.exclusion', 'mode ON_WITH_EXCLUSION needs exclusion (use "exclusion: {}" for none)');
  }
  if (ctx.kind.kind === 'RbacConfig') f.warn('kind', 'RbacConfig is deprecated; use ClusterRbacConfig');
  return f;
};
