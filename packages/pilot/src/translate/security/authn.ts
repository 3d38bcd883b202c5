import { jsonToStruct } from '@mesh/shared-api';
import type { ConfigResource } from '@mesh/shared-api';
import type { AuthenticationPolicySpec, JwtRule, PeerMtlsMode, RequestAuthenticationSpec, WorkloadSelector } from '../../model/security-specs.js';
import type { Proxy, ProxyPort } from '../../model/proxy.js';
import { labelsMatch } from '../../model/service.js';
import type { Service, ServiceEndpoint, ServicePort } from '../../model/service.js';
import { TLS_MODE_LABEL } from '../../model/service-entry.js';
import type { MeshIndex } from '../mesh-index.js';
import type { XdsResource } from '../resources.js';
import type { InboundMtlsMode } from './inbound-security.js';

export const JWT_FILTER = 'envoy.filters.http.jwt_authn';
const JWT_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication';
const TYPED_STRUCT = 'type.googleapis.com/udpa.type.v1.TypedStruct';
const AUTHN_CONFIG_TYPE = 'type.googleapis.com/istio.envoy.config.filter.http.authn.v2alpha1.FilterConfig';

function selects(selector: WorkloadSelector | undefined, labels: Readonly<Record<string, string>>): boolean {
  const m = selector?.matchLabels;
  return !m || Object.keys(m).length === 0 || labelsMatch(m, labels);
}

function hasSelector(selector: WorkloadSelector | undefined): boolean {
  return Object.keys(selector?.matchLabels ?? {}).length > 0;
}

/**
 * The objects of a selector-based kind that apply to a workload: those of the root namespace
 * without a selector (mesh-wide), of the workload's namespace without a selector, and of its
 * namespace selecting its labels — in that order (most specific last).
 */
export function applicable<S extends { selector?: WorkloadSelector }>(list: readonly ConfigResource<S>[], rootNamespace: string, proxy: Pick<Proxy, 'namespace' | 'labels'>): ConfigResource<S>[] {
  const mesh = list.filter((c) => c.metadata.namespace === rootNamespace && !hasSelector(c.spec.selector));
  const ns = proxy.namespace === rootNamespace ? [] : list.filter((c) => c.metadata.namespace === proxy.namespace && !hasSelector(c.spec.selector));
  const workload = list.filter((c) => c.metadata.namespace === proxy.namespace && hasSelector(c.spec.selector) && selects(c.spec.selector, proxy.labels));
  return [...mesh, ...ns, ...workload];
}

/**
 * The v1beta1 PeerAuthentication mode of a workload port: the workload policy's port-level mode
 * (keyed by the workload's port), else the first set mode of the workload, namespace and mesh
 * policies (UNSET inherits); undefined when no PeerAuthentication applies.
 */
function peerAuthenticationMode(index: MeshIndex, proxy: Pick<Proxy, 'namespace' | 'labels'>, port: Pick<ProxyPort, 'port' | 'targetPort'> | undefined): InboundMtlsMode | undefined {
  const list = applicable(index.configs('PeerAuthentication'), index.settings.rootNamespace, proxy);
  if (list.length === 0) return undefined;
  const set = (m: PeerMtlsMode | undefined): InboundMtlsMode | undefined => (m && m !== 'UNSET' ? m : undefined);
  for (const pa of [...list].reverse()) {
    if (port && hasSelector(pa.spec.selector)) {
      const pl = pa.spec.portLevelMtls?.[String(port.targetPort)] ?? pa.spec.portLevelMtls?.[String(port.port)];
      const m = set(pl?.mode);
      if (m) return m;
    }
    const m = set(pa.spec.mtls?.mode);
    if (m) return m;
  }
  return 'PERMISSIVE';
}

/**
 * The 1.4 authentication Policy of a service port (`AuthenticationPolicyForWorkload`): a Policy in
 * the service's namespace targeting it (and the port, when ports are listed), else the
 * namespace's Policy without targets (named `default`), else the MeshPolicy `default`.
 */
export function authenticationPolicyFor(index: MeshIndex, namespace: string, serviceName: string, port: Pick<ServicePort, 'port' | 'name'> | undefined): ConfigResource<AuthenticationPolicySpec> | undefined {
  const policies = index.configs('Policy').filter((p) => p.metadata.namespace === namespace);
  const targeted = policies.find((p) =>
    (p.spec.targets ?? []).some((t) => t.name === serviceName && (!t.ports || t.ports.length === 0 || !port || t.ports.some((tp) => tp.number === port.port || (tp.name !== undefined && tp.name === port.name)))),
  );
  return targeted ?? policies.find((p) => !p.spec.targets || p.spec.targets.length === 0) ?? index.configs('MeshPolicy').find((p) => p.metadata.name === 'default');
}

/** Istio 1.4's `GetMutualTLSMode`: a peer `mtls` method means STRICT unless it says PERMISSIVE; none means DISABLE. */
export function policyMtlsMode(policy: ConfigResource<AuthenticationPolicySpec> | undefined): InboundMtlsMode | undefined {
  if (!policy) return undefined;
  const peer = (policy.spec.peers ?? []).find((p) => p.mtls !== undefined);
  if (!peer) return 'DISABLE';
  return peer.mtls?.mode === 'PERMISSIVE' ? 'PERMISSIVE' : 'STRICT';
}

/** A workload as mTLS decisions see it: where it runs, its labels, the service it serves, and whether its sidecar holds a certificate. */
export interface MtlsWorkload {
  namespace: string;
  labels: Readonly<Record<string, string>>;
  /** The short service name (1.4 Policy targets name it); '' when none. */
  serviceName: string;
  /** Its sidecar holds a Citadel certificate (label `security.istio.io/tlsMode: istio`). */
  certified: boolean;
}

/**
 * The effective mTLS mode of one workload port — the single function both sides of a connection
 * use, so a client never disagrees with the server: PeerAuthentication (port-level, workload,
 * namespace, mesh) when any applies, else the 1.4 Policy/MeshPolicy, else Istio 1.5+'s default —
 * PERMISSIVE for a workload whose sidecar holds a certificate, DISABLE (plaintext) for one without.
 */
export function workloadMtlsMode(index: MeshIndex, w: MtlsWorkload, port: Pick<ProxyPort, 'port' | 'targetPort' | 'name'>): InboundMtlsMode {
  return (
    peerAuthenticationMode(index, w, port) ??
    policyMtlsMode(w.serviceName ? authenticationPolicyFor(index, w.namespace, w.serviceName, port) : undefined) ??
    (w.certified ? 'PERMISSIVE' : 'DISABLE')
  );
}

/** Whether a proxy's sidecar reported a certificate (it sets the tlsMode label only while it holds one). */
export function proxyCertified(proxy: Pick<Proxy, 'labels'>): boolean {
  return proxy.labels[TLS_MODE_LABEL] === 'istio';
}

/** The mTLS mode of one of a sidecar's ports (see {@link workloadMtlsMode}). */
export function inboundMtlsMode(index: MeshIndex, proxy: Proxy, port: ProxyPort): InboundMtlsMode {
  return workloadMtlsMode(index, { namespace: proxy.namespace, labels: proxy.labels, serviceName: proxy.serviceName, certified: proxyCertified(proxy) }, port);
}

/**
 * The mode the server behind one endpoint of a service port runs with: the same decision its
 * sidecar's inbound listener is generated from (the endpoint's labels select the workload
 * policies; its target port keys port-level ones). Drives auto mTLS per endpoint.
 */
export function endpointMtlsMode(index: MeshIndex, svc: Pick<Service, 'hostname' | 'name' | 'namespace'>, port: Pick<ServicePort, 'port' | 'name'>, ep: ServiceEndpoint): InboundMtlsMode {
  const serviceName = svc.name || (svc.hostname.split('.')[0] ?? '');
  return workloadMtlsMode(index, { namespace: svc.namespace, labels: ep.labels, serviceName, certified: ep.tlsMode === 'istio' }, { port: port.port, name: port.name, targetPort: ep.targetPort ?? ep.port });
}

/**
 * How a service's servers take connections as far as service-level policy says (Istio's
 * `BestEffortInferServiceMTLSMode`): namespace and mesh PeerAuthentication, else the 1.4 Policy;
 * UNKNOWN when nothing says. Only clusters without endpoints to decide by (ORIGINAL_DST) use it.
 */
export function serverMtlsMode(index: MeshIndex, svc: Service, port: ServicePort): 'STRICT' | 'PERMISSIVE' | 'DISABLE' | 'UNKNOWN' {
  const pa = peerAuthenticationMode(index, { namespace: svc.namespace, labels: {} }, undefined);
  if (pa) return pa;
  const name = svc.hostname.split('.')[0] ?? svc.name;
  return policyMtlsMode(authenticationPolicyFor(index, svc.namespace, name, port)) ?? 'UNKNOWN';
}

/** The JWT rules that apply to a workload port: RequestAuthentication (v1beta1) rules, or the 1.4 Policy's origins. */
export function jwtRulesFor(index: MeshIndex, proxy: Proxy, port: ProxyPort): { rules: JwtRule[]; legacy: boolean; policy: ConfigResource<AuthenticationPolicySpec> | undefined } {
  const ra = applicable<RequestAuthenticationSpec>(index.configs('RequestAuthentication'), index.settings.rootNamespace, proxy)
    .flatMap((r) => r.spec.jwtRules ?? [])
    .filter((r): r is JwtRule => typeof r?.issuer === 'string');
  const policy = proxy.serviceName ? authenticationPolicyFor(index, proxy.namespace, proxy.serviceName, port) : undefined;
  if (ra.length > 0) return { rules: ra, legacy: false, policy };
  return { rules: (policy?.spec.origins ?? []).map((o) => o?.jwt).filter((r): r is JwtRule => typeof r?.issuer === 'string'), legacy: true, policy };
}

/** The cluster Envoy fetches a JWKS from: `outbound|<port>||<host>` of the URI. */
function jwksCluster(uri: string): { cluster: string } | undefined {
  try {
    const u = new URL(uri);
    const port = u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
    return { cluster: `outbound|${port}||${u.hostname}` };
  } catch {
    return undefined;
  }
}

function provider(rule: JwtRule, jwks: ReadonlyMap<string, string> | undefined, legacy: boolean): XdsResource {
  const p: XdsResource = { issuer: rule.issuer };
  if (rule.audiences?.length) p['audiences'] = rule.audiences;
  const inline = rule.jwks ?? (rule.jwksUri ? jwks?.get(rule.jwksUri) : undefined);
  const remote = rule.jwksUri ? jwksCluster(rule.jwksUri) : undefined;
  if (inline !== undefined) p['local_jwks'] = { inline_string: inline };
  else if (rule.jwksUri && remote) p['remote_jwks'] = { http_uri: { uri: rule.jwksUri, cluster: remote.cluster, timeout: { seconds: 5 } }, cache_duration: { seconds: 300 } };
  if (rule.fromHeaders?.length) p['from_headers'] = rule.fromHeaders.map((h) => ({ name: h.name, ...(h.prefix ? { value_prefix: h.prefix } : {}) }));
  if (rule.fromParams?.length) p['from_params'] = rule.fromParams;
  // Istio 1.4 Policies forward the token (its authentication filter reads it); RequestAuthentication
  // removes it unless `forwardOriginalToken` is set (istiod's `Forward: jwtRule.ForwardOriginalToken`).
  p['forward'] = legacy ? true : rule.forwardOriginalToken === true;
  if (rule.outputPayloadToHeader) p['forward_payload_header'] = rule.outputPayloadToHeader;
  p['payload_in_metadata'] = rule.issuer;
  return p;
}

/**
 * The jwt_authn filter for a workload's JWT rules (Istio 1.4's `convertPolicyToJwtConfig`): one
 * provider per rule (`origins-<i>` for 1.4 Policies, the issuer for RequestAuthentication) with the
 * key set inline when known (Istio 1.4 resolves `jwksUri` itself), else fetched remotely; the
 * verified payload goes to dynamic metadata under the issuer. Any provider may satisfy a request;
 * a missing token is allowed (RequestAuthentication) — 1.4 also lets failures through for its
 * authentication filter to decide.
 * https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/jwt_authn/v3/config.proto
 */
export function jwtFilter(rules: readonly JwtRule[], legacy: boolean, jwks: ReadonlyMap<string, string> | undefined): XdsResource | undefined {
  if (rules.length === 0) return undefined;
  const providers: Record<string, XdsResource> = {};
  const names: string[] = [];
  rules.forEach((r, i) => {
    const name = legacy ? `origins-${i}` : r.issuer;
    if (providers[name]) return;
    providers[name] = provider(r, jwks, legacy);
    names.push(name);
  });
  const fallback = legacy ? { allow_missing_or_failed: {} } : { allow_missing: {} };
  return {
    name: JWT_FILTER,
    typed_config: {
      '@type': JWT_TYPE,
      providers,
      rules: [{ match: { prefix: '/' }, requires: { requires_any: { requirements: [...names.map((provider_name) => ({ provider_name })), fallback] } } }],
    },
  };
}

/**
 * Istio's own authentication filter (`istio_authn`), which sets `source.principal` and
 * `request.auth.*` for RBAC and enforces the policy's peer and origin requirements. Its config
 * type is Istio's, not Envoy's, so it travels as a TypedStruct (Envoy's way to carry the config of
 * filters it has no proto for).
 */
export function authnFilter(mtls: InboundMtlsMode, rules: readonly JwtRule[], policy: ConfigResource<AuthenticationPolicySpec> | undefined, legacy: boolean): XdsResource {
  const p: Record<string, unknown> = {};
  if (mtls !== 'DISABLE') p['peers'] = [{ mtls: mtls === 'PERMISSIVE' ? { mode: 'PERMISSIVE' } : {} }];
  if (rules.length > 0) p['origins'] = rules.map((r) => ({ jwt: { issuer: r.issuer, ...(r.audiences?.length ? { audiences: r.audiences } : {}), ...(r.jwksUri ? { jwks_uri: r.jwksUri } : {}) } }));
  if (legacy && policy) {
    if (policy.spec.originIsOptional) p['origin_is_optional'] = true;
    if (policy.spec.peerIsOptional) p['peer_is_optional'] = true;
    if (policy.spec.principalBinding === 'USE_ORIGIN') p['principal_binding'] = 'USE_ORIGIN';
  } else if (rules.length > 0) {
    // RequestAuthentication only validates tokens that are present; AuthorizationPolicy requires them.
    p['origin_is_optional'] = true;
    p['principal_binding'] = 'USE_ORIGIN';
  }
  const value: Record<string, unknown> = { policy: p };
  if (rules.length > 0) value['jwt_output_payload_locations'] = Object.fromEntries(rules.map((r) => [r.issuer, r.issuer]));
  return { name: 'istio_authn', typed_config: { '@type': TYPED_STRUCT, type_url: AUTHN_CONFIG_TYPE, value: jsonToStruct(value) } };
}
