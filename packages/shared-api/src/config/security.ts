/**
 * TypeScript shapes of the security.istio.io, authentication.istio.io (1.4) and rbac.istio.io (1.4)
 * specs, with fields under their JSON (lowerCamel) names, as the semantic rules read them after
 * normalization (nulls dropped, proto names renamed). The JSON Schemas in schemas/security are the
 * validation authority; keep these in step with them.
 */

/** `istio.type.v1beta1.WorkloadSelector`. */
export interface WorkloadSelector {
  matchLabels?: Record<string, string>;
}

/** `istio.type.v1beta1.PolicyTargetReference`. */
export interface PolicyTargetReference {
  group?: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** Mutual TLS mode of a PeerAuthentication. */
export type MtlsMode = 'UNSET' | 'DISABLE' | 'PERMISSIVE' | 'STRICT';

/** security.istio.io PeerAuthentication spec. */
export interface PeerAuthenticationSpec {
  selector?: WorkloadSelector;
  mtls?: { mode?: MtlsMode };
  /** Keyed by port number (as a string, as in JSON). */
  portLevelMtls?: Record<string, { mode?: MtlsMode }>;
}

/** One JWT issuer a RequestAuthentication accepts. */
export interface JwtRule {
  issuer?: string;
  audiences?: string[];
  jwksUri?: string;
  jwks?: string;
  fromHeaders?: Array<{ name: string; prefix?: string }>;
  fromParams?: string[];
  fromCookies?: string[];
  outputPayloadToHeader?: string;
  forwardOriginalToken?: boolean;
  outputClaimToHeaders?: Array<{ header?: string; claim?: string }>;
  timeout?: string;
  spaceDelimitedClaims?: string[];
  presence?: 'OPTIONAL' | 'REQUIRED';
}

/** security.istio.io RequestAuthentication spec. */
export interface RequestAuthenticationSpec {
  selector?: WorkloadSelector;
  targetRef?: PolicyTargetReference;
  targetRefs?: PolicyTargetReference[];
  jwtRules?: JwtRule[];
}

/** Who a rule matches (fields are ANDed; each list is ORed). */
export interface AuthzSource {
  principals?: string[];
  notPrincipals?: string[];
  requestPrincipals?: string[];
  notRequestPrincipals?: string[];
  namespaces?: string[];
  notNamespaces?: string[];
  serviceAccounts?: string[];
  notServiceAccounts?: string[];
  ipBlocks?: string[];
  notIpBlocks?: string[];
  remoteIpBlocks?: string[];
  notRemoteIpBlocks?: string[];
  trustDomains?: string[];
  notTrustDomains?: string[];
}

/** What a rule matches. */
export interface AuthzOperation {
  hosts?: string[];
  notHosts?: string[];
  ports?: string[];
  notPorts?: string[];
  methods?: string[];
  notMethods?: string[];
  paths?: string[];
  notPaths?: string[];
}

/** An extra attribute condition of a rule. */
export interface AuthzCondition {
  key: string;
  values?: string[];
  notValues?: string[];
}

/** One AuthorizationPolicy rule. */
export interface AuthzRule {
  from?: Array<{ source?: AuthzSource }>;
  to?: Array<{ operation?: AuthzOperation }>;
  when?: AuthzCondition[];
}

/** AuthorizationPolicy actions. */
export type AuthzAction = 'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM';

/** security.istio.io AuthorizationPolicy spec. */
export interface AuthorizationPolicySpec {
  selector?: WorkloadSelector;
  targetRef?: PolicyTargetReference;
  targetRefs?: PolicyTargetReference[];
  rules?: AuthzRule[];
  action?: AuthzAction;
  provider?: { name?: string };
}

/** A string match of authentication.istio.io (one of the fields). */
export interface AuthnStringMatch {
  exact?: string;
  prefix?: string;
  suffix?: string;
  regex?: string;
}

/** authentication.istio.io/v1alpha1 Jwt (an origin or, deprecated, a peer method). */
export interface AuthnJwt {
  issuer?: string;
  audiences?: string[];
  jwksUri?: string;
  jwks?: string;
  jwtHeaders?: string[];
  jwtParams?: string[];
  triggerRules?: Array<{ excludedPaths?: AuthnStringMatch[]; includedPaths?: AuthnStringMatch[] }>;
}

/** authentication.istio.io/v1alpha1 Policy / MeshPolicy spec (Istio 1.4). */
export interface AuthenticationPolicySpec {
  targets?: Array<{ name?: string; labels?: Record<string, string>; ports?: Array<{ number?: number; name?: string }> }>;
  peers?: Array<{ mtls?: { allowTls?: boolean; mode?: string | number }; jwt?: AuthnJwt }>;
  peerIsOptional?: boolean;
  origins?: Array<{ jwt?: AuthnJwt }>;
  originIsOptional?: boolean;
  principalBinding?: string | number;
}

/** rbac.istio.io AccessRule: what a ServiceRole permits. */
export interface AccessRule {
  services?: string[];
  hosts?: string[];
  notHosts?: string[];
  paths?: string[];
  notPaths?: string[];
  methods?: string[];
  notMethods?: string[];
  ports?: number[];
  notPorts?: number[];
  constraints?: Array<{ key?: string; values?: string[] }>;
}

/** rbac.istio.io/v1alpha1 ServiceRole spec (Istio 1.4). */
export interface ServiceRoleSpec {
  rules?: AccessRule[];
}

/** Who a ServiceRoleBinding binds. */
export interface RbacSubject {
  user?: string;
  group?: string;
  properties?: Record<string, string>;
  names?: string[];
  notNames?: string[];
  groups?: string[];
  notGroups?: string[];
  namespaces?: string[];
  notNamespaces?: string[];
  ips?: string[];
  notIps?: string[];
}

/** rbac.istio.io/v1alpha1 ServiceRoleBinding spec (Istio 1.4). */
export interface ServiceRoleBindingSpec {
  subjects?: RbacSubject[];
  roleRef?: { kind?: string; name?: string };
  mode?: string | number;
  actions?: AccessRule[];
  role?: string;
}

/** rbac.istio.io/v1alpha1 RbacConfig / ClusterRbacConfig spec (Istio 1.4). */
export interface RbacConfigSpec {
  mode?: string | number;
  inclusion?: { services?: string[]; namespaces?: string[] };
  exclusion?: { services?: string[]; namespaces?: string[] };
  enforcementMode?: string | number;
}
