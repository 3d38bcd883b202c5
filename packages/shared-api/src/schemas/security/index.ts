import type { JsonSchema } from '../common.js';
import { authenticationPolicySpecSchema } from './authentication-policy.js';
import { authorizationPolicySpecSchema } from './authorization-policy.js';
import { peerAuthenticationSpecSchema } from './peer-authentication.js';
import { rbacConfigSpecSchema, serviceRoleBindingSpecSchema, serviceRoleSpecSchema } from './rbac.js';
import { requestAuthenticationSpecSchema } from './request-authentication.js';

/** `spec` schemas of security.istio.io, authentication.istio.io and rbac.istio.io kinds, by kind. */
export const SECURITY_SCHEMAS: Readonly<Record<string, JsonSchema>> = {
  PeerAuthentication: peerAuthenticationSpecSchema,
  RequestAuthentication: requestAuthenticationSpecSchema,
  AuthorizationPolicy: authorizationPolicySpecSchema,
  Policy: authenticationPolicySpecSchema,
  MeshPolicy: authenticationPolicySpecSchema,
  ServiceRole: serviceRoleSpecSchema,
  ServiceRoleBinding: serviceRoleBindingSpecSchema,
  RbacConfig: rbacConfigSpecSchema,
  ClusterRbacConfig: rbacConfigSpecSchema,
};
