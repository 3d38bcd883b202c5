import type { JsonSchema } from '../common.js';
import { bool, listOf, message, protoEnum, str, stringList, stringMap, uint32 } from './message.js';

// Istio 1.4 decoded these with jsonpb, so proto (snake_case) field names are accepted too.
const proto = { protoNames: true } as const;

const stringMatch = message(
  { exact: str, prefix: str, suffix: str, regex: str },
  { ...proto, oneOf: ['exact', 'prefix', 'suffix', 'regex'] },
);

/** `istio.authentication.v1alpha1.Jwt` (1.4): an origin (end-user) JWT. */
export const authnJwtSchema: JsonSchema = message(
  {
    issuer: str,
    audiences: stringList,
    jwksUri: str,
    jwks: str,
    jwtHeaders: stringList,
    jwtParams: stringList,
    triggerRules: listOf(message({ excludedPaths: listOf(stringMatch), includedPaths: listOf(stringMatch) }, proto)),
  },
  proto,
);

const mutualTls = message({ allowTls: bool, mode: protoEnum(['STRICT', 'PERMISSIVE']) }, proto);

const peerMethod = message(
  { mtls: mutualTls, jwt: authnJwtSchema },
  { ...proto, oneOf: ['mtls', 'jwt'] },
);

const portSelector = message(
  { number: uint32, name: str },
  { ...proto, oneOf: ['number', 'name'] },
);

const target = message({ name: str, labels: stringMap, ports: listOf(portSelector) }, proto);

/** Schema of `Policy.spec` and `MeshPolicy.spec` (authentication.istio.io/v1alpha1, Istio 1.4). */
export const authenticationPolicySpecSchema: JsonSchema = message(
  {
    targets: listOf(target),
    peers: listOf(peerMethod),
    peerIsOptional: bool,
    origins: listOf(message({ jwt: authnJwtSchema }, proto)),
    originIsOptional: bool,
    principalBinding: protoEnum(['USE_PEER', 'USE_ORIGIN']),
  },
  proto,
);
