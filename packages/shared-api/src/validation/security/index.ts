import type { SemanticValidator } from '../semantic.js';
import { validateAuthenticationPolicy } from './authentication-policy.js';
import { validateAuthorizationPolicy } from './authorization-policy.js';
import { validatePeerAuthentication } from './peer-authentication.js';
import { validateRbacConfig, validateServiceRole, validateServiceRoleBinding } from './rbac.js';
import { validateRequestAuthentication } from './request-authentication.js';

/** Semantic rules of the security kinds, by kind. */
export const SECURITY_VALIDATORS: Readonly<Record<string, SemanticValidator>> = {
  PeerAuthentication: validatePeerAuthentication,
  RequestAuthentication: validateRequestAuthentication,
  AuthorizationPolicy: validateAuthorizationPolicy,
  Policy: validateAuthenticationPolicy,
  MeshPolicy: validateAuthenticationPolicy,
  ServiceRole: validateServiceRole,
  ServiceRoleBinding: validateServiceRoleBinding,
  RbacConfig: validateRbacConfig,
  ClusterRbacConfig: validateRbacConfig,
};
