import type { JsonSchema } from '../common.js';
import { bool, enumOf, goDuration, listOf, message, str } from './message.js';
import { policyTargetReferenceSchema, workloadSelectorSchema } from './workload.js';

const nonEmpty: JsonSchema = { type: 'string', minLength: 1, errorMessage: 'must not be empty' };
const nonEmptyList: JsonSchema = listOf(nonEmpty);

const jwtHeader = message({ name: nonEmpty, prefix: str }, { required: ['name'] });
const claimToHeader = message({ header: nonEmpty, claim: nonEmpty });

/** `JWTRule`: how to find and verify one issuer's JWTs. */
export const jwtRuleSchema: JsonSchema = message({
  issuer: str,
  audiences: nonEmptyList,
  jwksUri: str,
  jwks: str,
  fromHeaders: listOf(jwtHeader),
  fromParams: nonEmptyList,
  fromCookies: nonEmptyList,
  outputPayloadToHeader: str,
  forwardOriginalToken: bool,
  outputClaimToHeaders: listOf(claimToHeader),
  timeout: goDuration,
  spaceDelimitedClaims: listOf(nonEmpty, { maxItems: 64 }),
  presence: enumOf(['OPTIONAL', 'REQUIRED']),
});

/** Schema of `RequestAuthentication.spec` (security.istio.io v1beta1 and v1). */
export const requestAuthenticationSpecSchema: JsonSchema = message({
  selector: workloadSelectorSchema,
  targetRef: policyTargetReferenceSchema,
  targetRefs: listOf(policyTargetReferenceSchema, { maxItems: 16 }),
  jwtRules: listOf(jwtRuleSchema, { maxItems: 4096 }),
});
