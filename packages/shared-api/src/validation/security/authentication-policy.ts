import type { AuthenticationPolicySpec, AuthnJwt } from '../../config/security.js';
import { authenticationPolicySpecSchema } from '../../schemas/security/authentication-policy.js';
import type { SemanticValidator } from '../semantic.js';
import { at, Findings, isIstioDns1123Label, jwksUriProblem, normalize } from './fields.js';

const DEFAULT_NAME = 'default';

function checkJwt(jwt: AuthnJwt, path: string, issuers: Set<string>, f: Findings): void {
  // Rule 39: every JWT names its issuer, and an issuer is configured once per policy.
  if (!jwt.issuer) f.error(at(path, 'issuer'), 'a JWT method must set issuer');
  else if (issuers.has(jwt.issuer)) f.error(at(path, 'issuer'), `a JWT with issuer "${jwt.issuer}" is already defined in this policy`);
  else issuers.add(jwt.issuer);
  // Rule 39: audiences, jwtHeaders and jwtParams are non-empty strings.
  for (const field of ['audiences', 'jwtHeaders', 'jwtParams'] as const) {
    jwt[field]?.forEach((v, i) => {
      if (v === '') f.error(at(at(path, field), i), 'must not be an empty string');
    });
  }
  // Rule 39: jwksUri must parse (http or https).
  if (jwt.jwksUri) {
    const problem = jwksUriProblem(jwt.jwksUri);
    if (problem) f.error(at(path, 'jwksUri'), problem);
  }
}

/** authentication.istio.io/v1alpha1 Policy and MeshPolicy (Istio 1.4): rule 39. */
export const validateAuthenticationPolicy: SemanticValidator = (raw, ctx) => {
  const f = new Findings();
  const spec = normalize<AuthenticationPolicySpec>(raw, authenticationPolicySpecSchema, f);
  const targets = spec.targets ?? [];
  if (!ctx.kind.namespaced) {
    // Rule 39: the mesh-wide policy is the single MeshPolicy "default", for every workload.
    if (ctx.name !== DEFAULT_NAME) f.error('metadata.name', `a MeshPolicy must be named "${DEFAULT_NAME}"`);
    if (targets.length > 0) f.error('spec.targets', 'a MeshPolicy applies to the whole mesh and cannot have targets');
  } else {
    // Rule 39: the namespace-wide policy is "default"; any other policy must name its targets.
    if (targets.length === 0 && ctx.name !== DEFAULT_NAME) {
      f.error('spec.targets', `a Policy without targets applies to the whole namespace and must be named "${DEFAULT_NAME}"; add targets or rename it`);
    }
    if (targets.length > 0 && ctx.name === DEFAULT_NAME) f.error('spec.targets', `the Policy named "${DEFAULT_NAME}" applies to the whole namespace and cannot have targets`);
  }
  targets.forEach((t, i) => {
    const p = at('spec.targets', i);
    // Rule 39: a target is a service short name.
    if (!isIstioDns1123Label(t.name ?? '')) f.error(at(p, 'name'), `"${t.name ?? ''}" must be a service short name (a DNS-1123 label, no dots)`);
    t.ports?.forEach((port, j) => {
      const pp = at(at(p, 'ports'), j);
      if (port.number !== undefined && port.number !== 0) {
        if (port.number < 1 || port.number > 65535) f.error(at(pp, 'number'), 'must be a port number 1-65535');
      } else if (!port.name) f.error(pp, 'set the port number or name');
      else if (!isIstioDns1123Label(port.name)) f.error(at(pp, 'name'), `"${port.name}" must be a port name (a DNS-1123 label)`);
    });
  });
  const issuers = new Set<string>();
  spec.peers?.forEach((peer, i) => {
    if (peer.jwt) checkJwt(peer.jwt, at(at('spec.peers', i), 'jwt'), issuers, f);
  });
  spec.origins?.forEach((origin, i) => {
    const p = at('spec.origins', i);
    if (!origin.jwt) f.error(at(p, 'jwt'), 'an origin authentication method must set jwt');
    else checkJwt(origin.jwt, at(p, 'jwt'), issuers, f);
  });
  return f;
};
