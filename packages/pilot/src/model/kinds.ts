import type { AuthenticationPolicySpec, AuthorizationPolicySpec, PeerAuthenticationSpec, RbacConfigSpec, RequestAuthenticationSpec, ServiceRoleBindingSpec, ServiceRoleSpec } from './security-specs.js';
import type { DestinationRuleSpec, GatewaySpec, ServiceEntrySpec, SidecarSpec, VirtualServiceSpec, WorkloadEntrySpec } from './networking-specs.js';

/** The spec type of every kind Pilot reads from the config bucket. */
export interface PilotKindSpecs {
  VirtualService: VirtualServiceSpec;
  DestinationRule: DestinationRuleSpec;
  Gateway: GatewaySpec;
  ServiceEntry: ServiceEntrySpec;
  WorkloadEntry: WorkloadEntrySpec;
  Sidecar: SidecarSpec;
  PeerAuthentication: PeerAuthenticationSpec;
  RequestAuthentication: RequestAuthenticationSpec;
  AuthorizationPolicy: AuthorizationPolicySpec;
  /** authentication.istio.io/v1alpha1 (Istio 1.4). */
  Policy: AuthenticationPolicySpec;
  /** authentication.istio.io/v1alpha1, cluster-scoped (Istio 1.4). */
  MeshPolicy: AuthenticationPolicySpec;
  /** rbac.istio.io/v1alpha1 (Istio 1.4). */
  ServiceRole: ServiceRoleSpec;
  ServiceRoleBinding: ServiceRoleBindingSpec;
  RbacConfig: RbacConfigSpec;
  /** rbac.istio.io/v1alpha1, cluster-scoped (Istio 1.4). */
  ClusterRbacConfig: RbacConfigSpec;
}

/** A kind Pilot translates. */
export type PilotKind = keyof PilotKindSpecs;

/** Where a kind lives: its API group and plural (the KV key carries both, see `configKey`). */
export interface PilotKindInfo {
  kind: PilotKind;
  group: string;
  plural: string;
}

/**
 * Every kind Pilot reads, by group and plural. Pilot keeps its own table (rather than only
 * shared-api's KINDS) so that what it translates is explicit; the names are Istio's.
 */
export const PILOT_KINDS: readonly PilotKindInfo[] = [
  { kind: 'VirtualService', group: 'networking.istio.io', plural: 'virtualservices' },
  { kind: 'DestinationRule', group: 'networking.istio.io', plural: 'destinationrules' },
  { kind: 'Gateway', group: 'networking.istio.io', plural: 'gateways' },
  { kind: 'ServiceEntry', group: 'networking.istio.io', plural: 'serviceentries' },
  { kind: 'WorkloadEntry', group: 'networking.istio.io', plural: 'workloadentries' },
  { kind: 'Sidecar', group: 'networking.istio.io', plural: 'sidecars' },
  { kind: 'PeerAuthentication', group: 'security.istio.io', plural: 'peerauthentications' },
  { kind: 'RequestAuthentication', group: 'security.istio.io', plural: 'requestauthentications' },
  { kind: 'AuthorizationPolicy', group: 'security.istio.io', plural: 'authorizationpolicies' },
  { kind: 'Policy', group: 'authentication.istio.io', plural: 'policies' },
  { kind: 'MeshPolicy', group: 'authentication.istio.io', plural: 'meshpolicies' },
  { kind: 'ServiceRole', group: 'rbac.istio.io', plural: 'serviceroles' },
  { kind: 'ServiceRoleBinding', group: 'rbac.istio.io', plural: 'servicerolebindings' },
  { kind: 'RbacConfig', group: 'rbac.istio.io', plural: 'rbacconfigs' },
  { kind: 'ClusterRbacConfig', group: 'rbac.istio.io', plural: 'clusterrbacconfigs' },
];

/** The Pilot kind stored under a group and plural, or undefined when Pilot does not read it. */
export function pilotKindOf(group: string, plural: string): PilotKind | undefined {
  return PILOT_KINDS.find((k) => k.group === group && k.plural === plural)?.kind;
}

/** The Pilot kind of an `apiVersion` + `kind` as written in YAML (any version), or undefined. */
export function pilotKindByName(apiVersion: string, kind: string): PilotKind | undefined {
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : '';
  return PILOT_KINDS.find((k) => k.group === group && k.kind === kind)?.kind;
}

/** Kinds whose changes alter services or endpoints (the registry), not only routing. */
export const REGISTRY_KINDS: readonly PilotKind[] = ['ServiceEntry', 'WorkloadEntry'];
