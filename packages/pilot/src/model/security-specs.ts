/**
 * The security specs Pilot translates, as written in YAML: security.istio.io v1beta1
 * (PeerAuthentication, RequestAuthentication, AuthorizationPolicy) and Istio 1.4's
 * authentication.istio.io/v1alpha1 Policy and MeshPolicy.
 * References: https://istio.io/v1.4/docs/reference/config/security/ and
 * https://istio.io/v1.4/docs/reference/config/security/istio.authentication.v1alpha1/
 */

/** A workload selector (`matchLabels`). */
export interface WorkloadSelector {
  matchLabels?: Record<string, string>;
}

/** The mTLS mode of PeerAuthentication (`UNSET` inherits from the parent scope). */
export type PeerMtlsMode = 'UNSET' | 'DISABLE' | 'PERMISSIVE' | 'STRICT';

/** security.istio.io PeerAuthentication. */
export interface PeerAuthenticationSpec {
  selector?: WorkloadSelector;
  mtls?: { mode?: PeerMtlsMode };
  portLevelMtls?: Record<string, { mode?: PeerMtlsMode }>;
}

/** A JWT rule (RequestAuthentication `jwtRules[]`, 1.4 Policy `origins[].jwt`). */
export interface JwtRule {
  issuer: string;
  audiences?: string[];
  jwksUri?: string;
  jwks?: string;
  fromHeaders?: { name: string; prefix?: string }[];
  fromParams?: string[];
  outputPayloadToHeader?: string;
  forwardOriginalToken?: boolean;
  /** 1.4 Policy only: paths the rule applies to or skips. */
  triggerRules?: { excludedPaths?: StringMatchRule[]; includedPaths?: StringMatchRule[] }[];
}

/** 1.4 authentication StringMatch (exact, prefix, suffix, regex). */
export interface StringMatchRule {
  exact?: string;
  prefix?: string;
  suffix?: string;
  regex?: string;
}

/** security.istio.io RequestAuthentication. */
export interface RequestAuthenticationSpec {
  selector?: WorkloadSelector;
  jwtRules?: JwtRule[];
}

/** The source of an AuthorizationPolicy rule. */
export interface AuthzSource {
  principals?: string[];
  notPrincipals?: string[];
  requestPrincipals?: string[];
  notRequestPrincipals?: string[];
  namespaces?: string[];
  notNamespaces?: string[];
  ipBlocks?: string[];
  notIpBlocks?: string[];
  remoteIpBlocks?: string[];
  notRemoteIpBlocks?: string[];
}

/** The operation of an AuthorizationPolicy rule. */
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

/** A condition of an AuthorizationPolicy rule. */
export interface AuthzCondition {
  key: string;
  values?: string[];
  notValues?: string[];
}

/** One AuthorizationPolicy rule: from AND to AND when (each list OR-ed). */
export interface AuthzRule {
  from?: { source?: AuthzSource }[];
  to?: { operation?: AuthzOperation }[];
  when?: AuthzCondition[];
}

/** security.istio.io AuthorizationPolicy. */
export interface AuthorizationPolicySpec {
  selector?: WorkloadSelector;
  rules?: AuthzRule[];
  action?: 'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM';
}

/** A 1.4 authentication Policy peer method. */
export interface PeerAuthenticationMethod {
  mtls?: { mode?: 'STRICT' | 'PERMISSIVE' } | null;
  jwt?: JwtRule;
}

/** authentication.istio.io/v1alpha1 Policy and MeshPolicy (1.4). */
export interface AuthenticationPolicySpec {
  targets?: { name: string; ports?: PortSelectorRef[] }[];
  peers?: PeerAuthenticationMethod[];
  peerIsOptional?: boolean;
  origins?: { jwt: JwtRule }[];
  originIsOptional?: boolean;
  principalBinding?: 'USE_PEER' | 'USE_ORIGIN';
}

/** A port selector of a 1.4 Policy target (number or name). */
export interface PortSelectorRef {
  number?: number;
  name?: string;
}

/** rbac.istio.io/v1alpha1 (Istio 1.4): ServiceRole, ServiceRoleBinding, RbacConfig / ClusterRbacConfig (shapes shared with Galley). */
export type { AccessRule, RbacConfigSpec, RbacSubject, ServiceRoleBindingSpec, ServiceRoleSpec } from '@mesh/shared-api';
