import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TokenAuthenticator } from './authenticator.js';
import { authorize } from './authorizer.js';
import type { RequestAttributes, RoleGrant, Verb } from './authorizer.js';
import { TokenFileError } from './token-file.js';
import { parseTokens, readTokensFile } from './tokens-file.js';

const vs = (verb: Verb, namespace?: string): RequestAttributes => ({ verb, group: 'networking.istio.io', resource: 'virtualservices', namespace, clusterScoped: false });
const meshPolicy = (verb: Verb): RequestAttributes => ({ verb, group: 'authentication.istio.io', resource: 'meshpolicies', clusterScoped: true });

describe('authorize', () => {
  const reader: RoleGrant[] = [{ role: 'read', namespaces: ['shop'] }];
  const writer: RoleGrant[] = [{ role: 'write', namespaces: ['shop', 'pay'] }, { role: 'read', namespaces: ['*'] }];
  const admin: RoleGrant[] = [{ role: 'admin', namespaces: ['*'] }];
  const nsAdmin: RoleGrant[] = [{ role: 'admin', namespaces: ['shop'] }];

  it.each([
    [reader, vs('get', 'shop'), true],
    [reader, vs('list', 'shop'), true],
    [reader, vs('watch', 'shop'), true],
    [reader, vs('create', 'shop'), false],
    [reader, vs('get', 'other'), false],
    [reader, vs('list'), false],
    [writer, vs('patch', 'pay'), true],
    [writer, vs('delete', 'other'), false],
    [writer, vs('list'), true],
    [writer, meshPolicy('get'), true],
    [writer, meshPolicy('create'), false],
    [admin, meshPolicy('delete'), true],
    [admin, vs('update', 'anything'), true],
    [nsAdmin, vs('update', 'shop'), true],
    [nsAdmin, meshPolicy('get'), false],
    [nsAdmin, meshPolicy('update'), false],
    [[], vs('get', 'shop'), false],
  ] as const)('%j may %j: %p', (grants, attrs, allowed) => {
    expect(authorize('u', grants, attrs).allowed).toBe(allowed);
  });

  it('explains a refusal in Kubernetes wording, naming the user, verb, resource, namespace and the role needed', () => {
    expect(authorize('alice', reader, { ...vs('update', 'shop'), name: 'reviews' })).toEqual({
      allowed: false,
      message:
        'virtualservices.networking.istio.io "reviews" is forbidden: User "alice" cannot update resource "virtualservices" in API group ' +
        '"networking.istio.io" in the namespace "shop": it needs the write role for namespace "shop" (or "*")',
    });
    expect(authorize('bob', writer, meshPolicy('create'))).toMatchObject({ message: expect.stringContaining('at the cluster scope: it needs the admin role for "*"') });
  });
});

describe('tokens file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'galley-tokens-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads users and their roles, and the authenticator maps each token to its user', async () => {
    const file = path.join(dir, 'ok.yaml');
    writeFileSync(file, ['tokens:', '- token: tok-ci', '  user: ci', '  roles: {write: [shop], read: ["*"]}', '- token: tok-ops', '  user: ops', '  roles: {admin: "*"}', ''].join('\n'));
    const tokens = await readTokensFile(file);
    expect(tokens).toEqual([
      { token: 'tok-ci', user: 'ci', roles: [{ role: 'write', namespaces: ['shop'] }, { role: 'read', namespaces: ['*'] }] },
      { token: 'tok-ops', user: 'ops', roles: [{ role: 'admin', namespaces: ['*'] }] },
    ]);
    const auth = new TokenAuthenticator({ anonymous: false, tokens, token: 'single' });
    expect(auth.authenticate('Bearer tok-ci')).toMatchObject({ ok: true, user: { username: 'ci' } });
    expect(auth.authenticate('Bearer tok-ops')).toMatchObject({ ok: true, user: { username: 'ops' } });
    expect(auth.authenticate('Bearer single')).toMatchObject({ ok: true, user: { username: 'galley:token' } });
    expect(auth.authenticate('Bearer tok-c')).toEqual({ ok: false, message: 'Unauthorized: invalid bearer token' });
  });

  it.each([
    [{}, 'non-empty "tokens" list'],
    [{ tokens: [{ user: 'a', roles: { read: ['*'] } }] }, 'tokens[0] (user "a").token must be'],
    [{ tokens: [{ token: 'secret-1', user: '', roles: { read: ['*'] } }] }, 'tokens[0].user'],
    [{ tokens: [{ token: 'secret-1', user: 'a', roles: { owner: ['*'] } }] }, 'roles.owner is not a role'],
    [{ tokens: [{ token: 'secret-1', user: 'a', roles: { read: ['Bad_NS'] } }] }, 'roles.read must be a non-empty list'],
    [{ tokens: [{ token: 'secret-1', user: 'a', roles: {} }] }, 'must map at least one'],
    [{ tokens: [{ token: 'secret-1', user: 'a', roles: { read: ['*'] } }, { token: 'secret-1', user: 'b', roles: { read: ['*'] } }] }, 'same as an earlier'],
    [{ tokens: [{ token: 'secret 1', user: 'a', roles: { read: ['*'] } }] }, 'without whitespace'],
  ])('refuses %j without echoing a token', (doc, message) => {
    const err = (() => {
      try {
        parseTokens(doc, '/etc/tokens.yaml');
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(TokenFileError);
    expect(err!.message).toContain(message);
    expect(err!.message).not.toContain('secret');
  });

  it('reports a YAML syntax error by line, without quoting the file', async () => {
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, 'tokens:\n- token: "super-secret\n  user: [\n');
    const err = await readTokensFile(file).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(TokenFileError);
    expect((err as Error).message).not.toContain('super-secret');
  });
});
