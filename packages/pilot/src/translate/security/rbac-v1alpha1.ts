import type { AccessRule, ConfigResource, RbacConfigSpec, RbacSubject, ServiceRoleBindingSpec, ServiceRoleSpec } from '@mesh/shared-api';
import type { XdsResource } from '../resources.js';
import { AUTHN_FILTER, HTTP_RBAC_FILTER, HTTP_RBAC_TYPE, NETWORK_RBAC_FILTER, NETWORK_RBAC_TYPE } from './rbac.js';

/**
 * Istio 1.4's `rbac.istio.io/v1alpha1` authorization (ServiceRole, ServiceRoleBinding, and the
 * ClusterRbacConfig — or deprecated RbacConfig — that switches it on), translated into the same
 * Envoy RBAC filter config as AuthorizationPolicy. Follows Istio 1.4's v1alpha1 generator
 * (pilot/pkg/security/authz/policy/v1alpha1 and authz/model): one RBAC policy per ServiceRole,
 * named after it; its permissions are the role's access rules that apply to the service; its
 * principals are the subjects of the bindings that reference it. Bindings in PERMISSIVE mode (or
 * a PERMISSIVE RbacConfig) go to `shadow_rules`, which log and never deny.
 * https://istio.io/v1.4/docs/reference/config/security/istio.rbac.v1alpha1/
 */

/** The service a sidecar serves, as v1alpha1 rules see it (Istio's ServiceMetadata). */
export interface RbacServiceMetadata {
  /** FQDN, matched against `services`. */
  hostname: string;
  name: string;
  namespace: string;
  labels: Readonly<Record<string, string>>;
  /** The service account (`destination.user`). */
  serviceAccount: string;
}

/** The v1alpha1 config objects that apply. */
export interface RbacV1alpha1Config {
  rbacConfig: ConfigResource<RbacConfigSpec> | undefined;
  roles: readonly ConfigResource<ServiceRoleSpec>[];
  bindings: readonly ConfigResource<ServiceRoleBindingSpec>[];
}

const enumName = (v: string | number | undefined, names: readonly string[]): string => (typeof v === 'number' ? (names[v] ?? '') : (v ?? names[0]!));
const MODES = ['OFF', 'ON', 'ON_WITH_INCLUSION', 'ON_WITH_EXCLUSION'] as const;
const ENFORCEMENT = ['ENFORCED', 'PERMISSIVE'] as const;

/** The RbacConfig in force: the ClusterRbacConfig `default`, else (deprecated) an RbacConfig `default`. */
export function rbacConfigOf(cluster: readonly ConfigResource<RbacConfigSpec>[], namespaced: readonly ConfigResource<RbacConfigSpec>[]): ConfigResource<RbacConfigSpec> | undefined {
  return cluster.find((c) => c.metadata.name === 'default') ?? namespaced.find((c) => c.metadata.name === 'default');
}

/** Istio 1.4's `IsRbacEnabled`: whether the RbacConfig's mode turns v1alpha1 RBAC on for the service. */
export function isRbacEnabled(config: ConfigResource<RbacConfigSpec> | undefined, hostname: string, namespace: string): boolean {
  if (!config) return false;
  const s = config.spec;
  const listed = (l: { services?: string[]; namespaces?: string[] } | undefined): boolean => (l?.namespaces ?? []).includes(namespace) || (l?.services ?? []).includes(hostname);
  switch (enumName(s.mode, MODES)) {
    case 'ON':
      return true;
    case 'ON_WITH_INCLUSION':
      return listed(s.inclusion);
    case 'ON_WITH_EXCLUSION':
      return !listed(s.exclusion);
    default:
      return false;
  }
}

/** v1alpha1 wildcard matching (`*`, `prefix*`, `*suffix`, exact), as Istio's `stringMatch`. */
function wildcardMatch(value: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => p === '*' || (p.endsWith('*') && value.startsWith(p.slice(0, -1))) || (p.startsWith('*') && value.endsWith(p.slice(1))) || p === value);
}

/** A v1alpha1 StringMatcher: `*` is the regex `.*` (v1beta1 uses `.+`). */
function stringMatch(v: string): XdsResource {
  if (v === '*') return { safe_regex: { google_re2: {}, regex: '.*' } };
  if (v.endsWith('*')) return { prefix: v.slice(0, -1) };
  if (v.startsWith('*')) return { suffix: v.slice(1) };
  return { exact: v };
}

function headerMatch(name: string, v: string): XdsResource {
  if (v === '*') return { header: { name, present_match: true } };
  if (v.endsWith('*')) return { header: { name, prefix_match: v.slice(0, -1) } };
  if (v.startsWith('*')) return { header: { name, suffix_match: v.slice(1) } };
  return { header: { name, exact_match: v } };
}

function metadata(path: string[], value: XdsResource, list = false): XdsResource {
  return { metadata: { filter: AUTHN_FILTER, path: path.map((key) => ({ key })), value: list ? { list_match: { one_of: { string_match: value } } } : { string_match: value } } };
}

function cidr(v: string): XdsResource | undefined {
  const [address, len] = v.split('/');
  if (!address) return undefined;
  return { address_prefix: address, prefix_len: { value: len !== undefined ? Number(len) : address.includes(':') ? 128 : 32 } };
}

const bracket = (key: string, prefix: string): string | undefined => (key.startsWith(`${prefix}[`) && key.endsWith(']') ? key.slice(prefix.length + 1, -1) : undefined);

/** The service-side constraints of Istio 1.4: checked against the service, not sent to the proxy. */
function constraintHolds(key: string, values: readonly string[], svc: RbacServiceMetadata): boolean {
  const label = bracket(key, 'destination.labels');
  if (label !== undefined) return svc.labels[label] !== undefined && wildcardMatch(svc.labels[label], values);
  if (key === 'destination.name') return wildcardMatch(svc.name, values);
  if (key === 'destination.namespace') return wildcardMatch(svc.namespace, values);
  if (key === 'destination.user') return wildcardMatch(svc.serviceAccount, values);
  return true;
}

/** An access rule applies to the service when `services` and the service-side constraints match. */
function ruleApplies(rule: AccessRule, svc: RbacServiceMetadata): boolean {
  if ((rule.services ?? []).length > 0 && !wildcardMatch(svc.hostname, rule.services!)) return false;
  return (rule.constraints ?? []).every((c) => constraintHolds(c.key ?? '', c.values ?? [], svc));
}

function or(items: XdsResource[]): XdsResource {
  return { or_rules: { rules: items } };
}

function orIds(items: XdsResource[]): XdsResource {
  return { or_ids: { ids: items } };
}

/** One constraint as a permission, or undefined when the proxy does not evaluate it (service-side or unknown keys). */
function constraintPermission(key: string, values: readonly string[], forTcp: boolean): XdsResource | undefined {
  const header = bracket(key, 'request.headers');
  let each: ((v: string) => XdsResource | undefined) | undefined;
  if (key === 'destination.ip') each = (v) => (cidr(v) ? { destination_ip: cidr(v) } : undefined);
  else if (key === 'destination.port') each = (v) => (Number.isInteger(Number(v)) ? { destination_port: Number(v) } : undefined);
  else if (key === 'connection.sni') each = (v) => ({ requested_server_name: stringMatch(v) });
  else if (header !== undefined && !forTcp) each = (v) => headerMatch(header, v);
  else if (/^experimental\.envoy\.filters\..+\[.+\]$/.test(key)) {
    const [filter, field] = key.slice('experimental.'.length, -1).split('[') as [string, string];
    each = (v) => ({ metadata: { filter, path: [{ key: field }], value: { string_match: stringMatch(v) } } });
  }
  if (!each) return undefined;
  const items = values.map(each).filter((x): x is XdsResource => x !== undefined);
  return items.length > 0 ? or(items) : undefined;
}

const HTTP_ONLY_RULE = (r: AccessRule): boolean =>
  [r.hosts, r.notHosts, r.paths, r.notPaths, r.methods, r.notMethods].some((l) => (l ?? []).length > 0) || (r.constraints ?? []).some((c) => (c.key ?? '').startsWith('request.headers'));

/** One access rule as an AND of its fields; undefined when the TCP filter cannot evaluate it. */
function permission(rule: AccessRule, forTcp: boolean): XdsResource | undefined {
  if (forTcp && HTTP_ONLY_RULE(rule)) return undefined;
  const rules: XdsResource[] = [];
  const field = (values: readonly (string | number)[] | undefined, negate: boolean, make: (v: string) => XdsResource): void => {
    if (!values || values.length === 0) return;
    const set = or(values.map((v) => make(String(v))));
    rules.push(negate ? { not_rule: set } : set);
  };
  field(rule.hosts, false, (v) => headerMatch(':authority', v));
  field(rule.notHosts, true, (v) => headerMatch(':authority', v));
  field(rule.methods, false, (v) => headerMatch(':method', v));
  field(rule.notMethods, true, (v) => headerMatch(':method', v));
  field(rule.paths, false, (v) => headerMatch(':path', v));
  field(rule.notPaths, true, (v) => headerMatch(':path', v));
  field(rule.ports, false, (v) => ({ destination_port: Number(v) }));
  field(rule.notPorts, true, (v) => ({ destination_port: Number(v) }));
  const constraints = [...(rule.constraints ?? [])].sort((a, b) => (a.key ?? '').localeCompare(b.key ?? ''));
  for (const c of constraints) {
    const p = constraintPermission(c.key ?? '', c.values ?? [], forTcp);
    if (p) rules.push(p);
  }
  return { and_rules: { rules: rules.length > 0 ? rules : [{ any: true }] } };
}

/** A `source.principal` / user value: `*` is anyone (v1alpha1), otherwise the principal with wildcards. */
function principalValue(v: string, forTcp: boolean): XdsResource {
  if (v === '*' || v === 'allUsers') return { any: true };
  const value = v === 'allAuthenticatedUsers' ? '*' : v;
  if (forTcp) {
    const m = stringMatch(value);
    const withScheme = 'exact' in m ? { exact: `spiffe://${String(m['exact'])}` } : 'prefix' in m ? { prefix: `spiffe://${String(m['prefix'])}` } : m;
    return { authenticated: { principal_name: withScheme } };
  }
  return metadata(['source.principal'], stringMatch(value));
}

function namespaceValue(v: string, forTcp: boolean): XdsResource {
  const regex = { safe_regex: { google_re2: {}, regex: `.*/ns/${v.replaceAll('*', '.*')}/.*` } };
  return forTcp ? { authenticated: { principal_name: regex } } : metadata(['source.principal'], regex);
}

/** One property of a subject (`properties[key] = value`), or undefined when the proxy does not evaluate it. */
function property(key: string, value: string, forTcp: boolean): XdsResource | undefined {
  if (key === 'source.ip') return cidr(value) ? { source_ip: cidr(value) } : undefined;
  if (key === 'source.namespace') return namespaceValue(value, forTcp);
  if (key === 'source.principal' || key === 'source.user') return principalValue(value, forTcp);
  if (forTcp) return undefined;
  if (['request.auth.principal', 'request.auth.audiences', 'request.auth.presenter'].includes(key)) return metadata([key], stringMatch(value));
  const claim = bracket(key, 'request.auth.claims');
  if (claim !== undefined) return metadata(['request.auth.claims', claim], stringMatch(value), true);
  const header = bracket(key, 'request.headers');
  if (header !== undefined) return headerMatch(header, value);
  return { metadata: { filter: HTTP_RBAC_FILTER, path: [{ key }], value: { string_match: stringMatch(value) } } };
}

const HTTP_ONLY_SUBJECT = (s: RbacSubject): boolean =>
  Boolean(s.group) || (s.groups ?? []).length > 0 || (s.notGroups ?? []).length > 0 || Object.keys(s.properties ?? {}).some((k) => k.startsWith('request.'));

/** One subject as an AND of its fields; undefined when the TCP filter cannot evaluate it. */
function principal(s: RbacSubject, forTcp: boolean): XdsResource | undefined {
  if (forTcp && HTTP_ONLY_SUBJECT(s)) return undefined;
  const ids: XdsResource[] = [];
  if (s.user) ids.push(orIds([principalValue(s.user, forTcp)]));
  const list = (values: readonly string[] | undefined, negate: boolean, make: (v: string) => XdsResource): void => {
    if (!values || values.length === 0) return;
    const set = orIds(values.map(make));
    ids.push(negate ? { not_id: set } : set);
  };
  list(s.names, false, (v) => principalValue(v, forTcp));
  list(s.notNames, true, (v) => principalValue(v, forTcp));
  if (s.group) ids.push(metadata(['request.auth.claims', 'groups'], stringMatch(s.group), true));
  list(s.groups, false, (v) => metadata(['request.auth.claims', 'groups'], stringMatch(v), true));
  list(s.notGroups, true, (v) => metadata(['request.auth.claims', 'groups'], stringMatch(v), true));
  list(s.namespaces, false, (v) => namespaceValue(v, forTcp));
  list(s.notNamespaces, true, (v) => namespaceValue(v, forTcp));
  list(s.ips, false, (v) => ({ source_ip: cidr(v) ?? {} }));
  list(s.notIps, true, (v) => ({ source_ip: cidr(v) ?? {} }));
  for (const key of Object.keys(s.properties ?? {}).sort()) {
    const p = property(key, s.properties![key]!, forTcp);
    if (p) ids.push(p);
  }
  return { and_ids: { ids: ids.length > 0 ? ids : [{ not_id: { any: true } }] } };
}

/** The role a binding references (`roleRef.name`, or the deprecated `role: "/<name>"`). */
function roleOf(b: ServiceRoleBindingSpec): string {
  return b.roleRef?.name ?? (b.role ?? '').replace(/^\//, '');
}

/**
 * The v1alpha1 RBAC rules for a service: `rules` (enforced bindings) and `shadow_rules`
 * (permissive bindings, or every binding when the RbacConfig is PERMISSIVE). Roles and bindings
 * are those of the service's namespace; a role none of whose rules apply, or without bindings, is
 * left out. ON with no roles at all denies everything.
 */
export function rbacV1alpha1Rules(config: RbacV1alpha1Config, svc: RbacServiceMetadata, forTcp: boolean): { rules?: XdsResource; shadow_rules?: XdsResource } {
  const globalPermissive = enumName(config.rbacConfig?.spec.enforcementMode, ENFORCEMENT) === 'PERMISSIVE';
  const enforced: Record<string, XdsResource> = {};
  const permissive: Record<string, XdsResource> = {};
  const roles = config.roles.filter((r) => r.metadata.namespace === svc.namespace).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  const bindings = config.bindings.filter((b) => b.metadata.namespace === svc.namespace);
  for (const role of roles) {
    const permissions = (role.spec.rules ?? []).filter((r) => ruleApplies(r, svc)).flatMap((r) => permission(r, forTcp) ?? []);
    if (permissions.length === 0) continue;
    const refs = bindings.filter((b) => roleOf(b.spec) === role.metadata.name);
    for (const [target, list] of [
      [enforced, refs.filter((b) => !globalPermissive && enumName(b.spec.mode, ENFORCEMENT) !== 'PERMISSIVE')],
      [permissive, refs.filter((b) => globalPermissive || enumName(b.spec.mode, ENFORCEMENT) === 'PERMISSIVE')],
    ] as const) {
      const principals = list.flatMap((b) => b.spec.subjects ?? []).flatMap((s) => principal(s, forTcp) ?? []);
      if (principals.length > 0) target[role.metadata.name] = { permissions, principals };
    }
  }
  if (globalPermissive) return { shadow_rules: { policies: permissive } };
  return { rules: { policies: enforced }, ...(Object.keys(permissive).length > 0 ? { shadow_rules: { policies: permissive } } : {}) };
}

/** The v1alpha1 RBAC filter of a service port, or none when the RbacConfig leaves the service out. */
export function rbacV1alpha1Filter(config: RbacV1alpha1Config, svc: RbacServiceMetadata, forTcp: boolean): XdsResource | undefined {
  if (!isRbacEnabled(config.rbacConfig, svc.hostname, svc.namespace)) return undefined;
  const rules = rbacV1alpha1Rules(config, svc, forTcp);
  return forTcp
    ? { name: NETWORK_RBAC_FILTER, typed_config: { '@type': NETWORK_RBAC_TYPE, ...rules, stat_prefix: 'tcp.' } }
    : { name: HTTP_RBAC_FILTER, typed_config: { '@type': HTTP_RBAC_TYPE, ...rules } };
}
