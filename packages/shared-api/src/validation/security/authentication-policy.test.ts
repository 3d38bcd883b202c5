import { validateResource } from '../../config/validate.js';

const doc = (kind: 'Policy' | 'MeshPolicy', name: string, spec: unknown) => ({
  apiVersion: 'authentication.istio.io/v1alpha1',
  kind,
  metadata: { name, namespace: 'foo' },
  spec,
});

function errorsOf(input: unknown): unknown[] {
  const r = validateResource(input);
  return r.ok ? [] : r.errors;
}

describe('authentication Policy and MeshPolicy (rule 39)', () => {
  it.each([
    ['the namespace default', doc('Policy', 'default', { peers: [{ mtls: { mode: 'PERMISSIVE' } }] })],
    ['a targeted policy', doc('Policy', 'reviews', { targets: [{ name: 'reviews', ports: [{ number: 9080 }, { name: 'http' }] }], peers: [{ mtls: {} }] })],
    ['proto field names', doc('Policy', 'default', { origins: [{ jwt: { issuer: 'a', jwks_uri: 'https://a/jwks' } }], principal_binding: 'USE_ORIGIN' })],
    ['enum numbers', doc('MeshPolicy', 'default', { peers: [{ mtls: { mode: 1 } }] })],
    ['the mesh default', doc('MeshPolicy', 'default', {})],
  ])('accepts %s', (_, input) => {
    expect(validateResource(input)).toMatchObject({ ok: true });
  });

  it.each([
    [doc('Policy', 'mine', {}), 'spec.targets', 'must be named "default"'],
    [doc('Policy', 'default', { targets: [{ name: 'a' }] }), 'spec.targets', 'cannot have targets'],
    [doc('MeshPolicy', 'boo', {}), 'metadata.name', 'a MeshPolicy must be named "default"'],
    [doc('MeshPolicy', 'default', { targets: [{ name: 'a' }] }), 'spec.targets', 'cannot have targets'],
    [doc('Policy', 'p', { targets: [{ name: 'bad.target' }] }), 'spec.targets[0].name', 'service short name'],
    [doc('Policy', 'p', { targets: [{ name: 'a', ports: [{ number: 70000 }] }] }), 'spec.targets[0].ports[0].number', 'must be a port number 1-65535'],
    [doc('Policy', 'p', { targets: [{ name: 'a', ports: [{}] }] }), 'spec.targets[0].ports[0]', 'set the port number or name'],
    [doc('Policy', 'default', { origins: [{ jwt: { jwksUri: 'https://a' } }] }), 'spec.origins[0].jwt.issuer', 'must set issuer'],
    [doc('Policy', 'default', { origins: [{ jwt: { issuer: 'a' } }, { jwt: { issuer: 'a' } }] }), 'spec.origins[1].jwt.issuer', 'already defined'],
    [doc('Policy', 'default', { origins: [{ jwt: { issuer: 'a', audiences: [''] } }] }), 'spec.origins[0].jwt.audiences[0]', 'must not be an empty string'],
    [doc('Policy', 'default', { origins: [{ jwt: { issuer: 'a', jwtHeaders: [''] } }] }), 'spec.origins[0].jwt.jwtHeaders[0]', 'must not be an empty string'],
    [doc('Policy', 'default', { origins: [{ jwt: { issuer: 'a', jwtParams: [''] } }] }), 'spec.origins[0].jwt.jwtParams[0]', 'must not be an empty string'],
    [doc('Policy', 'default', { origins: [{ jwt: { issuer: 'a', jwksUri: 'file:///jwks' } }] }), 'spec.origins[0].jwt.jwksUri', 'not supported'],
    [doc('Policy', 'default', { origins: [{}] }), 'spec.origins[0].jwt', 'must set jwt'],
    [doc('Policy', 'default', { peers: [{ mtls: {}, jwt: { issuer: 'a' } }] }), 'spec.peers[0].jwt', 'set only one of mtls, jwt'],
    [doc('Policy', 'default', { peers: [{ mtls: { mode: 'SOMETIMES' } }] }), 'spec.peers[0].mtls.mode', 'must be one of STRICT, PERMISSIVE'],
    [doc('Policy', 'default', { origins: [{ jwt: { issuer: 'a', jwksUri: 'https://a', jwks_uri: 'https://b' } }] }), 'spec.origins[0].jwt.jwks_uri', 'are the same field'],
  ])('rejects %j at %s', (input, field, message) => {
    expect(errorsOf(input)).toContainEqual({ field, message: expect.stringContaining(message) });
  });
});
