import type { KindInfo } from './kinds.js';

const security = 'security.istio.io';
const securityVersions = ['v1beta1', 'v1'] as const;
const authn = 'authentication.istio.io';
const rbac = 'rbac.istio.io';
const v1alpha1 = ['v1alpha1'] as const;

/**
 * security.istio.io (v1beta1 preferred, as Istio stores it; v1 served), and the Istio 1.4 forms
 * authentication.istio.io/v1alpha1 and rbac.istio.io/v1alpha1. MeshPolicy and ClusterRbacConfig are
 * cluster-scoped (one per mesh, named `default`).
 */
export const SECURITY_KINDS: readonly KindInfo[] = [
  { group: security, versions: securityVersions, kind: 'PeerAuthentication', plural: 'peerauthentications', singular: 'peerauthentication', shortNames: ['pa'], namespaced: true },
  { group: security, versions: securityVersions, kind: 'RequestAuthentication', plural: 'requestauthentications', singular: 'requestauthentication', shortNames: ['ra'], namespaced: true },
  { group: security, versions: securityVersions, kind: 'AuthorizationPolicy', plural: 'authorizationpolicies', singular: 'authorizationpolicy', shortNames: ['ap'], namespaced: true },
  { group: authn, versions: v1alpha1, kind: 'Policy', plural: 'policies', singular: 'policy', shortNames: [], namespaced: true },
  { group: authn, versions: v1alpha1, kind: 'MeshPolicy', plural: 'meshpolicies', singular: 'meshpolicy', shortNames: [], namespaced: false },
  { group: rbac, versions: v1alpha1, kind: 'ServiceRole', plural: 'serviceroles', singular: 'servicerole', shortNames: [], namespaced: true },
  { group: rbac, versions: v1alpha1, kind: 'ServiceRoleBinding', plural: 'servicerolebindings', singular: 'servicerolebinding', shortNames: [], namespaced: true },
  { group: rbac, versions: v1alpha1, kind: 'RbacConfig', plural: 'rbacconfigs', singular: 'rbacconfig', shortNames: [], namespaced: true },
  { group: rbac, versions: v1alpha1, kind: 'ClusterRbacConfig', plural: 'clusterrbacconfigs', singular: 'clusterrbacconfig', shortNames: [], namespaced: false },
];
