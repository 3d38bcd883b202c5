import type { JwtRule, RequestAuthenticationSpec } from '../../config/security.js';
import { requestAuthenticationSpecSchema } from '../../schemas/security/request-authentication.js';
import type { SemanticValidator } from '../semantic.js';
import { at, durationMs, Findings, HEADER_NAME, jwksUriProblem, normalize } from './fields.js';
import { checkAttachment, checkSelector } from './selectors.js';

// JWK members that only private (or symmetric) keys carry: RFC 7518 §6.2.2, §6.3.2, §6.4.
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

function checkJwks(jwks: string, path: string, f: Findings): void {
  let doc: unknown;
  try {
    doc = JSON.parse(jwks);
  } catch (e) {
    f.error(path, `inline JWKS is not valid JSON (${(e as Error).message})`);
    return;
  }
  const keys = typeof doc === 'object' && doc !== null ? (doc as { keys?: unknown }).keys : undefined;
  const list = Array.isArray(keys) ? keys : [doc];
  if (typeof doc !== 'object' || doc === null || (keys !== undefined && !Array.isArray(keys))) {
    f.error(path, 'inline JWKS must be a JSON Web Key Set ({"keys": [...]}) or a single JSON Web Key');
    return;
  }
  list.forEach((key, i) => {
    if (typeof key !== 'object' || key === null) return;
    const found = PRIVATE_JWK_MEMBERS.filter((m) => m in key);
    // Rule 44: private key material in a public configuration object.
    if (found.length > 0) f.warn(path, `key ${i} contains private key material (${found.join(', ')}); publish only public keys in jwks`);
  });
}

function checkJwtRule(rule: JwtRule, path: string, f: Findings): void {
  // Rule 44: a rule must say whose tokens it accepts.
  if (!rule.issuer && !rule.jwksUri) f.error(at(path, 'issuer'), 'set issuer (or jwksUri) so the rule knows which tokens it verifies');
  if (rule.jwksUri) {
    const problem = jwksUriProblem(rule.jwksUri);
    if (problem) f.error(at(path, 'jwksUri'), problem);
  }
  if (rule.jwks) checkJwks(rule.jwks, at(path, 'jwks'), f);
  rule.outputClaimToHeaders?.forEach((c, i) => {
    const p = at(at(path, 'outputClaimToHeaders'), i);
    if (!c.claim) f.error(at(p, 'claim'), 'set the JWT claim whose value is copied into the header');
    if (!c.header) f.error(at(p, 'header'), 'set the header name to copy the claim into');
    else if (!HEADER_NAME.test(c.header)) f.error(at(p, 'header'), `"${c.header}" is not a valid header name (letters, digits, "-" and "_" only)`);
  });
  if (rule.timeout !== undefined) {
    const ms = durationMs(rule.timeout);
    if (ms === undefined || ms < 1) f.error(at(path, 'timeout'), 'must be a valid duration of at least 1ms, such as "5s"');
    else if (!Number.isInteger(ms)) f.error(at(path, 'timeout'), 'must be a whole number of milliseconds');
  }
}

/** RequestAuthentication (today's kind): rule 44, the one-of attachment rule and today's selector rule. */
export const validateRequestAuthentication: SemanticValidator = (raw, ctx) => {
  const f = new Findings();
  const spec = normalize<RequestAuthenticationSpec>(raw, requestAuthenticationSpecSchema, f);
  checkAttachment(spec, ctx.namespace, f);
  checkSelector(spec.selector, 'spec.selector', f);
  spec.jwtRules?.forEach((r, i) => checkJwtRule(r, at('spec.jwtRules', i), f));
  return f;
};
