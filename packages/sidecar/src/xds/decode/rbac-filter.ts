import type { StringMatchModel } from '../../routing/route-model.js';
import { parseCidr } from '../../security/authz/cidr.js';
import type { CidrModel, MetadataMatchModel, PermissionModel, PrincipalModel, RbacFilterModel, RbacPolicyModel, RbacRulesModel, ValueMatchModel } from '../../security/authz/rbac-model.js';
import type { Problems } from './fields.js';
import { arr, isSet, obj, str, uint32Value } from './fields.js';
import { headerMatch, stringMatch } from './route-match.js';

/**
 * Decodes `envoy.extensions.filters.http.rbac.v3.RBAC`
 * (https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/rbac/v3/rbac.proto):
 * `rules` and `shadow_rules` with every permission and principal Istio generates. CEL conditions,
 * the unified `matcher` API and filter-state matchers are refused (NACK): the sidecar cannot
 * evaluate them, and a policy silently read wider or narrower would be a security hole.
 */
export function rbacFilter(name: string, raw: Record<string, unknown>, at: string, p: Problems): RbacFilterModel {
  if (isSet(raw['matcher']) || isSet(raw['shadow_matcher'])) p.add(`${at}matcher`, 'the RBAC matcher API is not supported by the sidecar (use rules)');
  const rules = isSet(raw['rules']) ? rbacRules(obj(raw['rules']), `${at}rules.`, p) : undefined;
  const shadowRules = isSet(raw['shadow_rules']) ? rbacRules(obj(raw['shadow_rules']), `${at}shadow_rules.`, p) : undefined;
  return { name, ...(rules ? { rules } : {}), ...(shadowRules ? { shadowRules } : {}) };
}

/** `config.rbac.v3.RBAC`: the action (ALLOW when unset) and the policies by name. */
export function rbacRules(raw: Record<string, unknown>, at: string, p: Problems): RbacRulesModel {
  const actionRaw = str(raw['action']) || 'ALLOW';
  let action: RbacRulesModel['action'] = 'ALLOW';
  if (actionRaw === 'ALLOW' || actionRaw === 'DENY' || actionRaw === 'LOG') action = actionRaw;
  else p.add(`${at}action`, `RBAC action ${actionRaw} is not supported by the sidecar`);
  const policies = new Map<string, RbacPolicyModel>();
  for (const [name, pol] of Object.entries(obj(raw['policies']))) {
    const pat = `${at}policies[${name}].`;
    const po = obj(pol);
    if (isSet(po['condition']) || isSet(po['checked_condition'])) p.add(`${pat}condition`, 'CEL conditions in RBAC policies are not supported by the sidecar');
    policies.set(name, {
      permissions: arr(po['permissions']).map((x, i) => permission(obj(x), `${pat}permissions[${i}].`, p)),
      principals: arr(po['principals']).map((x, i) => principal(obj(x), `${pat}principals[${i}].`, p)),
    });
  }
  return { action, policies };
}

const NEVER_PERMISSION: PermissionModel = { kind: 'not', rule: { kind: 'any' } };
const NEVER_PRINCIPAL: PrincipalModel = { kind: 'not', id: { kind: 'any' } };

function permission(raw: Record<string, unknown>, at: string, p: Problems): PermissionModel {
  if (raw['any'] === true) return { kind: 'any' };
  if (isSet(raw['and_rules'])) return { kind: 'and', rules: arr(obj(raw['and_rules'])['rules']).map((r, i) => permission(obj(r), `${at}and_rules.rules[${i}].`, p)) };
  if (isSet(raw['or_rules'])) return { kind: 'or', rules: arr(obj(raw['or_rules'])['rules']).map((r, i) => permission(obj(r), `${at}or_rules.rules[${i}].`, p)) };
  if (isSet(raw['not_rule'])) return { kind: 'not', rule: permission(obj(raw['not_rule']), `${at}not_rule.`, p) };
  if (isSet(raw['header'])) return { kind: 'header', match: headerMatch(obj(raw['header']), `${at}header.`, p) };
  if (isSet(raw['url_path'])) return { kind: 'urlPath', match: pathMatch(obj(raw['url_path']), `${at}url_path.`, p), ignoreQuery: true };
  if (isSet(raw['destination_ip'])) return cidrOr(raw['destination_ip'], `${at}destination_ip`, p, (cidr) => ({ kind: 'destinationIp', cidr }), NEVER_PERMISSION);
  if (typeof raw['destination_port'] === 'number') return { kind: 'destinationPort', port: raw['destination_port'] };
  if (isSet(raw['destination_port_range'])) {
    const r = obj(raw['destination_port_range']);
    return { kind: 'destinationPortRange', start: Number(r['start'] ?? 0), end: Number(r['end'] ?? 0) };
  }
  if (isSet(raw['metadata'])) return { kind: 'metadata', match: metadataMatch(obj(raw['metadata']), `${at}metadata.`, p) };
  if (isSet(raw['requested_server_name'])) return { kind: 'requestedServerName', match: stringMatch(obj(raw['requested_server_name']), `${at}requested_server_name.`, p) };
  p.add(at.replace(/\.$/, ''), `RBAC permission ${Object.keys(raw).join(', ') || '(empty)'} is not supported by the sidecar`);
  return NEVER_PERMISSION;
}

function principal(raw: Record<string, unknown>, at: string, p: Problems): PrincipalModel {
  if (raw['any'] === true) return { kind: 'any' };
  if (isSet(raw['and_ids'])) return { kind: 'and', ids: arr(obj(raw['and_ids'])['ids']).map((r, i) => principal(obj(r), `${at}and_ids.ids[${i}].`, p)) };
  if (isSet(raw['or_ids'])) return { kind: 'or', ids: arr(obj(raw['or_ids'])['ids']).map((r, i) => principal(obj(r), `${at}or_ids.ids[${i}].`, p)) };
  if (isSet(raw['not_id'])) return { kind: 'not', id: principal(obj(raw['not_id']), `${at}not_id.`, p) };
  if (isSet(raw['authenticated'])) {
    const a = obj(raw['authenticated']);
    return { kind: 'authenticated', match: isSet(a['principal_name']) ? stringMatch(obj(a['principal_name']), `${at}authenticated.principal_name.`, p) : undefined };
  }
  for (const [field, kind] of [['source_ip', 'sourceIp'], ['direct_remote_ip', 'directRemoteIp'], ['remote_ip', 'remoteIp']] as const) {
    if (isSet(raw[field])) return cidrOr(raw[field], `${at}${field}`, p, (cidr) => ({ kind, cidr }), NEVER_PRINCIPAL);
  }
  if (isSet(raw['header'])) return { kind: 'header', match: headerMatch(obj(raw['header']), `${at}header.`, p) };
  if (isSet(raw['url_path'])) return { kind: 'urlPath', match: pathMatch(obj(raw['url_path']), `${at}url_path.`, p), ignoreQuery: true };
  if (isSet(raw['metadata'])) return { kind: 'metadata', match: metadataMatch(obj(raw['metadata']), `${at}metadata.`, p) };
  p.add(at.replace(/\.$/, ''), `RBAC principal ${Object.keys(raw).join(', ') || '(empty)'} is not supported by the sidecar`);
  return NEVER_PRINCIPAL;
}

function cidrOr<T>(raw: unknown, at: string, p: Problems, make: (c: CidrModel) => T, never: T): T {
  const c = obj(raw);
  const cidr = parseCidr(str(c['address_prefix']), uint32Value(c['prefix_len']));
  if (cidr) return make(cidr);
  p.add(`${at}.address_prefix`, `${str(c['address_prefix']) || '(empty)'} is not an IP address`);
  return never;
}

/** `type.matcher.v3.PathMatcher`: a string matcher over the path without its query. */
function pathMatch(raw: Record<string, unknown>, at: string, p: Problems): StringMatchModel {
  if (!isSet(raw['path'])) p.add(`${at}path`, 'a path matcher needs path');
  return stringMatch(obj(raw['path']), `${at}path.`, p);
}

function metadataMatch(raw: Record<string, unknown>, at: string, p: Problems): MetadataMatchModel {
  const filter = str(raw['filter']);
  if (!filter) p.add(`${at}filter`, 'a metadata matcher needs a filter');
  const path = arr(raw['path']).map((s) => str(obj(s)['key']));
  return { filter, path, value: valueMatch(obj(raw['value']), `${at}value.`, p), invert: raw['invert'] === true };
}

function valueMatch(raw: Record<string, unknown>, at: string, p: Problems): ValueMatchModel {
  if (isSet(raw['string_match'])) return { kind: 'string', match: stringMatch(obj(raw['string_match']), `${at}string_match.`, p) };
  if (isSet(raw['list_match'])) return { kind: 'list', oneOf: valueMatch(obj(obj(raw['list_match'])['one_of']), `${at}list_match.one_of.`, p) };
  if (typeof raw['present_match'] === 'boolean') return { kind: 'present', present: raw['present_match'] };
  if (typeof raw['bool_match'] === 'boolean') return { kind: 'bool', value: raw['bool_match'] };
  p.add(at.replace(/\.$/, ''), `metadata value matcher ${Object.keys(raw).join(', ') || '(empty)'} is not supported by the sidecar`);
  return { kind: 'present', present: false };
}
