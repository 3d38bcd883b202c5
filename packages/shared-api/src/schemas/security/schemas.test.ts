import Ajv from 'ajv';
import { SECURITY_SCHEMAS } from './index.js';

const ajv = new Ajv({ allErrors: true, strict: true });
ajv.addKeyword({ keyword: 'errorMessage', schemaType: 'string' });

const EXAMPLES: Record<string, { valid: unknown; invalid: unknown; at: string }> = {
  PeerAuthentication: { valid: { selector: { matchLabels: { app: 'a' } }, mtls: { mode: 'STRICT' }, portLevelMtls: { '80': { mode: 'DISABLE' } } }, invalid: { mtls: { mode: 'ON' } }, at: '/mtls/mode' },
  RequestAuthentication: {
    valid: { targetRefs: [{ group: '', kind: 'Service', name: 's' }], jwtRules: [{ issuer: 'i', jwksUri: 'https://i/jwks', fromHeaders: [{ name: 'h' }], timeout: '5s', presence: 'OPTIONAL' }] },
    invalid: { jwtRules: [{ issuer: 'i', fromHeaders: [{ prefix: 'p' }] }] },
    at: '/jwtRules/0/fromHeaders/0',
  },
  AuthorizationPolicy: {
    valid: { action: 'DENY', rules: [{ from: [{ source: { notIpBlocks: ['1.2.3.4'] } }], to: [{ operation: { notPorts: ['80'] } }], when: [{ key: 'source.ip', notValues: ['10.0.0.0/8'] }] }] },
    invalid: { rules: [{ from: [{ source: { principal: ['a'] } }] }] },
    at: '/rules/0/from/0/source',
  },
  Policy: { valid: { targets: [{ name: 'a', ports: [{ number: 80 }] }], peers: [{ mtls: { mode: 'STRICT' } }], principal_binding: 'USE_PEER' }, invalid: { peers: [{ tls: {} }] }, at: '/peers/0' },
  MeshPolicy: { valid: { peers: [{ mtls: null }] }, invalid: { peers: 'mtls' }, at: '/peers' },
  ServiceRole: { valid: { rules: [{ services: ['*'], not_methods: ['DELETE'], ports: [80] }] }, invalid: { rules: [{ ports: ['80'] }] }, at: '/rules/0/ports/0' },
  ServiceRoleBinding: { valid: { subjects: [{ user: 'a' }], role_ref: { kind: 'ServiceRole', name: 'r' }, mode: 'PERMISSIVE' }, invalid: { subjects: [{ usr: 'a' }] }, at: '/subjects/0' },
  RbacConfig: { valid: { mode: 'ON_WITH_INCLUSION', inclusion: { namespaces: ['a'] } }, invalid: { mode: 'MAYBE' }, at: '/mode' },
  ClusterRbacConfig: { valid: { mode: 3, exclusion: {}, enforcement_mode: 'ENFORCED' }, invalid: { inclusion: { services: 'a' } }, at: '/inclusion/services' },
};

describe('security spec schemas', () => {
  it('has an example for every kind', () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual(Object.keys(SECURITY_SCHEMAS).sort());
  });

  it.each(Object.entries(EXAMPLES))('%s accepts a full example and rejects a bad field', (kind, ex) => {
    const validate = ajv.compile(SECURITY_SCHEMAS[kind]!);
    expect(validate(ex.valid)).toBe(true);
    expect(validate(ex.invalid)).toBe(false);
    expect(validate.errors?.map((e) => e.instancePath)).toContain(ex.at);
  });
});
