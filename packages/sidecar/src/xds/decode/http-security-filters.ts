import type { HttpSecurityModel } from '../../security/http-security.js';
import type { IstioAuthnModel, JwtAuthnModel } from '../../security/authn/jwt-model.js';
import type { RbacFilterModel } from '../../security/authz/rbac-model.js';
import type { Problems } from './fields.js';
import { arr, isSet, obj, str } from './fields.js';
import { istioAuthnFilter, jwtAuthnFilter } from './jwt-authn-filter.js';
import { rbacFilter } from './rbac-filter.js';
import { unpackTyped } from './typed-config.js';

/** Type URLs of the security filters of an HTTP connection manager. */
const JWT_AUTHN = 'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication';
const HTTP_RBAC = 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC';
const TYPED_STRUCT = 'type.googleapis.com/udpa.type.v1.TypedStruct';
const ISTIO_AUTHN_CONFIG = 'type.googleapis.com/istio.envoy.config.filter.http.authn.v2alpha1.FilterConfig';

/** True for an `http_filters` entry {@link httpSecurityFilters} decodes (the generic filter decoder skips it). */
export function isSecurityFilter(typeUrl: string, typed: Record<string, unknown> | undefined): boolean {
  return typeUrl === JWT_AUTHN || typeUrl === HTTP_RBAC || (typeUrl === TYPED_STRUCT && str(typed?.['type_url']) === ISTIO_AUTHN_CONFIG);
}

/**
 * The security filters of an HCM's `http_filters`, in chain order: jwt_authn, Istio's
 * authentication filter and the RBAC filters. Undefined when the chain has none.
 */
export function httpSecurityFilters(httpFilters: unknown, at: string, p: Problems): HttpSecurityModel | undefined {
  let jwt: JwtAuthnModel | undefined;
  let authn: IstioAuthnModel | undefined;
  const rbac: RbacFilterModel[] = [];
  for (const [i, fRaw] of arr(httpFilters).entries()) {
    const f = obj(fRaw);
    if (f['disabled'] === true || !isSet(f['typed_config'])) continue;
    const fat = `${at}http_filters[${i}].typed_config.`;
    const name = str(f['name']);
    const typeUrl = str(obj(f['typed_config'])['type_url']);
    if (typeUrl !== JWT_AUTHN && typeUrl !== HTTP_RBAC && typeUrl !== TYPED_STRUCT) continue;
    const typed = unpackTyped(f['typed_config']);
    if (!typed.ok) {
      p.add(fat.replace(/\.$/, ''), typed.error);
      continue;
    }
    if (typeUrl === JWT_AUTHN) {
      if (jwt) p.add(fat, 'only one jwt_authn filter per connection manager is supported by the sidecar');
      jwt = jwtAuthnFilter(name, typed.value, fat, p);
    } else if (typeUrl === HTTP_RBAC) rbac.push(rbacFilter(name, typed.value, fat, p));
    else if (str(typed.value['type_url']) === ISTIO_AUTHN_CONFIG) authn = istioAuthnFilter(name, typed.value);
  }
  if (!jwt && !authn && rbac.length === 0) return undefined;
  return { ...(jwt ? { jwt } : {}), ...(authn ? { authn } : {}), rbac };
}
