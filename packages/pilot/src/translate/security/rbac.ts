import type { ConfigResource } from '@mesh/shared-api';
import type { AuthorizationPolicySpec, AuthzCondition, AuthzOperation, AuthzSource } from '../../model/security-specs.js';
import type { XdsResource } from '../resources.js';

/** The dynamic metadata namespace Istio's authentication filter writes identities to. */
export const AUTHN_FILTER = 'istio_authn';
export const HTTP_RBAC_FILTER = 'envoy.filters.http.rbac';
export const HTTP_RBAC_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC';
export const NETWORK_RBAC_FILTER = 'envoy.filters.network.rbac';
export const NETWORK_RBAC_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC';

/**
 * Istio 1.4's wildcard rule for AuthorizationPolicy values: `*` means "present" (a header) or
 * "non-empty" (`.+`), `prefix*` a prefix, `*suffix` a suffix, anything else an exact match.
 */
function stringMatch(v: string): XdsResource {
  if (v === '*') return { safe_regex: { google_re2: {}, regex: '.+' } };
  if (v.endsWith('*')) return { prefix: v.slice(0, -1) };
  if (v.startsWith('*')) return { suffix: v.slice(1) };
  return { exact: v };
}

/** A HeaderMatcher for a header value with Istio's wildcards (Istio 1.4 writes the v2 `*_match` fields). */
function headerMatch(name: string, v: string): XdsResource {
  if (v === '*') return { header: { name, present_match: true } };
  if (v.endsWith('*')) return { header: { name, prefix_match: v.slice(0, -1) } };
  if (v.startsWith('*')) return { header: { name, suffix_match: v.slice(1) } };
  return { header: { name, exact_match: v } };
}

function metadataMatch(filter: string, path: string[], value: XdsResource, list = false): XdsResource {
  return { metadata: { filter, path: path.map((key) => ({ key })), value: list ? { list_match: { one_of: { string_match: value } } } : { string_match: value } } };
}

/** A CIDR range (`10.0.0.1` is a /32). */
function cidr(v: string): XdsResource {
  const [address, len] = v.split('/');
  return { address_prefix: address, prefix_len: { value: len !== undefined ? Number(len) : address!.includes(':') ? 128 : 32 } };
}

/** A namespace as a regex over the principal (anything, `/ns/<ns>/`, anything; `*` in the name widened to `.*`). */
function namespaceMatch(ns: string): XdsResource {
  return metadataMatch(AUTHN_FILTER, ['source.principal'], { safe_regex: { google_re2: {}, regex: `.*/ns/${ns.replaceAll('*', '.*')}/.*` } });
}

function or(key: 'rules' | 'ids', items: XdsResource[]): XdsResource {
  return key === 'rules' ? { or_rules: { rules: items } } : { or_ids: { ids: items } };
}

/** Principal-side matchers for the given values of one `when` condition, or undefined for permission-side keys. */
function principalCondition(c: AuthzCondition, values: readonly string[]): XdsResource[] | undefined {
  const header = /^request\.headers\[(.+)\]$/.exec(c.key);
  if (header) return values.map((v) => headerMatch(header[1]!, v));
  const claim = /^request\.auth\.claims\[(.+)\]$/.exec(c.key);
  if (claim) return values.map((v) => metadataMatch(AUTHN_FILTER, ['request.auth.claims', claim[1]!], stringMatch(v), true));
  switch (c.key) {
    case 'source.ip':
      return values.map((v) => ({ source_ip: cidr(v) }));
    case 'source.namespace':
      return values.map(namespaceMatch);
    case 'source.principal':
    case 'request.auth.principal':
    case 'request.auth.audiences':
    case 'request.auth.presenter':
      return values.map((v) => metadataMatch(AUTHN_FILTER, [c.key], stringMatch(v)));
    default:
      return undefined;
  }
}

/** Permission-side matchers for the given values of one `when` condition. */
function permissionCondition(c: AuthzCondition, values: readonly string[]): XdsResource[] | undefined {
  const experimental = /^experimental\.envoy\.filters\.(.+)\[(.+)\]$/.exec(c.key);
  if (experimental) return values.map((v) => metadataMatch(`envoy.filters.${experimental[1]!}`, [experimental[2]!], stringMatch(v)));
  switch (c.key) {
    case 'destination.ip':
      return values.map((v) => ({ destination_ip: cidr(v) }));
    case 'destination.port':
      return values.map((v) => ({ destination_port: Number(v) }));
    case 'connection.sni':
      return values.map((v) => ({ requested_server_name: stringMatch(v) }));
    default:
      return undefined;
  }
}

/** True when a field only HTTP can evaluate (a TCP policy drops rules using it, as Istio does for ALLOW). */
function httpOnly(op: AuthzOperation | undefined, src: AuthzSource | undefined, when: readonly AuthzCondition[]): boolean {
  if (op && (op.hosts?.length || op.notHosts?.length || op.methods?.length || op.notMethods?.length || op.paths?.length || op.notPaths?.length)) return true;
  if (src?.requestPrincipals?.length || src?.notRequestPrincipals?.length) return true;
  return when.some((c) => c.key.startsWith('request.'));
}

/** `values` as an OR, and `notValues` as NOT(OR), each when non-empty. */
function withNot(key: 'rules' | 'ids', values: readonly string[] | undefined, notValues: readonly string[] | undefined, each: (v: string) => XdsResource): XdsResource[] {
  const out: XdsResource[] = [];
  if (values?.length) out.push(or(key, values.map(each)));
  if (notValues?.length) out.push(key === 'rules' ? { not_rule: or(key, notValues.map(each)) } : { not_id: or(key, notValues.map(each)) });
  return out;
}

/**
 * One `to` operation as an AND of its fields (each an OR of its values; `notX` as NOT(OR)).
 * `tcpOnly` keeps only the fields TCP can evaluate (a DENY policy on a TCP port: narrower
 * matching there would allow more, so the HTTP fields are dropped and the rest still denies).
 */
function permission(op: AuthzOperation | undefined, when: readonly AuthzCondition[], tcpOnly = false): XdsResource {
  const rules: XdsResource[] = [];
  if (!tcpOnly) {
    rules.push(...withNot('rules', op?.hosts, op?.notHosts, (h) => headerMatch(':authority', h)));
    rules.push(...withNot('rules', op?.methods, op?.notMethods, (m) => headerMatch(':method', m)));
    rules.push(...withNot('rules', op?.paths, op?.notPaths, (p) => headerMatch(':path', p)));
  }
  rules.push(...withNot('rules', op?.ports, op?.notPorts, (p) => ({ destination_port: Number(p) })));
  for (const c of when) {
    if (tcpOnly && c.key.startsWith('request.')) continue;
    const m = permissionCondition(c, c.values ?? []);
    if (m && m.length > 0) rules.push(or('rules', m));
    const n = permissionCondition(c, c.notValues ?? []);
    if (n && n.length > 0) rules.push({ not_rule: or('rules', n) });
  }
  return { and_rules: { rules: rules.length > 0 ? rules : [{ any: true }] } };
}

/** One `from` source as an AND of its fields (each an OR of its values; `notX` as NOT(OR)); `tcpOnly` as for {@link permission}. */
function principal(src: AuthzSource | undefined, when: readonly AuthzCondition[], tcpOnly = false): XdsResource {
  const ids: XdsResource[] = [];
  ids.push(...withNot('ids', src?.principals, src?.notPrincipals, (p) => metadataMatch(AUTHN_FILTER, ['source.principal'], stringMatch(p))));
  if (!tcpOnly) ids.push(...withNot('ids', src?.requestPrincipals, src?.notRequestPrincipals, (p) => metadataMatch(AUTHN_FILTER, ['request.auth.principal'], stringMatch(p))));
  ids.push(...withNot('ids', src?.namespaces, src?.notNamespaces, namespaceMatch));
  ids.push(...withNot('ids', src?.ipBlocks, src?.notIpBlocks, (b) => ({ source_ip: cidr(b) })));
  for (const c of when) {
    if (tcpOnly && c.key.startsWith('request.')) continue;
    const m = principalCondition(c, c.values ?? []);
    if (m && m.length > 0) ids.push(or('ids', m));
    const n = principalCondition(c, c.notValues ?? []);
    if (n && n.length > 0) ids.push({ not_id: or('ids', n) });
  }
  return { and_ids: { ids: ids.length > 0 ? ids : [{ any: true }] } };
}

/**
 * Istio 1.4's v1beta1 authorization builder: one RBAC policy `ns[<ns>]-policy[<name>]-rule[<i>]`
 * per rule; its permissions are one AND per `to` operation (hosts, methods, paths, ports, then the
 * destination-side `when` conditions), its principals one AND per `from` source (principals, request
 * principals, namespaces, IP blocks, then the source-side `when` conditions); each list is an OR.
 * For TCP, rules using HTTP-only attributes are left out.
 * https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/rbac/v3/rbac.proto
 */
export function rbacPolicies(policies: readonly ConfigResource<AuthorizationPolicySpec>[], forTcp: boolean, forDeny = false): Record<string, XdsResource> {
  const out: Record<string, XdsResource> = {};
  for (const p of policies) {
    const ns = p.metadata.namespace ?? 'default';
    for (const [i, rule] of (p.spec.rules ?? []).entries()) {
      const when = rule.when ?? [];
      const tos = rule.to && rule.to.length > 0 ? rule.to.map((t) => t.operation) : [undefined];
      const froms = rule.from && rule.from.length > 0 ? rule.from.map((f) => f.source) : [undefined];
      const usesHttp = forTcp && (tos.some((op) => httpOnly(op, undefined, when)) || froms.some((src) => httpOnly(undefined, src, when)));
      // An ALLOW rule TCP cannot fully evaluate is left out (it would allow more); a DENY rule keeps its TCP fields (it denies more).
      if (usesHttp && !forDeny) continue;
      out[`ns[${ns}]-policy[${p.metadata.name}]-rule[${i}]`] = { permissions: tos.map((op) => permission(op, when, usesHttp)), principals: froms.map((src) => principal(src, when, usesHttp)) };
    }
  }
  return out;
}

/** The RBAC rules of the ALLOW (or, later releases, DENY) policies given (`action` ALLOW is proto3's default and left unset). */
export function rbacRules(policies: readonly ConfigResource<AuthorizationPolicySpec>[], forTcp: boolean, action: 'ALLOW' | 'DENY'): XdsResource {
  const rules: XdsResource = { policies: rbacPolicies(policies, forTcp, action === 'DENY') };
  if (action === 'DENY') rules['action'] = 'DENY';
  return rules;
}

/**
 * The RBAC filters for a workload: a DENY filter (when DENY policies select it) before the ALLOW
 * filter (when ALLOW policies select it; no rules at all then denies everything).
 */
export function rbacFilters(policies: readonly ConfigResource<AuthorizationPolicySpec>[], forTcp: boolean): XdsResource[] {
  const filters: XdsResource[] = [];
  const deny = policies.filter((p) => p.spec.action === 'DENY');
  const allow = policies.filter((p) => !p.spec.action || p.spec.action === 'ALLOW');
  const make = (list: readonly ConfigResource<AuthorizationPolicySpec>[], action: 'ALLOW' | 'DENY'): XdsResource =>
    forTcp
      ? { name: NETWORK_RBAC_FILTER, typed_config: { '@type': NETWORK_RBAC_TYPE, rules: rbacRules(list, true, action), stat_prefix: 'tcp.' } }
      : { name: HTTP_RBAC_FILTER, typed_config: { '@type': HTTP_RBAC_TYPE, rules: rbacRules(list, false, action) } };
  if (deny.length > 0) filters.push(make(deny, 'DENY'));
  if (allow.length > 0) filters.push(make(allow, 'ALLOW'));
  return filters;
}
