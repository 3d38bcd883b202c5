import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NO_ACCESS_CONFIGURED, TokenAuthenticator } from './authenticator.js';
import { readTokenFile, TokenFileError } from './token-file.js';

describe('TokenAuthenticator', () => {
  it.each([
    [{ anonymous: false }, undefined, false],
    [{ anonymous: false }, 'Bearer t', false],
    [{ anonymous: false, token: 't0k' }, undefined, false],
    [{ anonymous: false, token: 't0k' }, 'Bearer t0k', true],
    [{ anonymous: false, token: 't0k' }, 'bearer   t0k ', true],
    [{ anonymous: false, token: 't0k' }, 'Bearer t0', false],
    [{ anonymous: false, token: 't0k' }, 'Bearer t0kk', false],
    [{ anonymous: true }, undefined, true],
    [{ anonymous: true }, 'Bearer anything', false],
    [{ anonymous: true, token: 't0k' }, 'Bearer wrong', false],
  ])('with %j and Authorization %p → ok=%p', (config, header, ok) => {
    expect(new TokenAuthenticator(config).authenticate(header).ok).toBe(ok);
  });

  it('names the user: the token holder, or anonymous', () => {
    const everything = [{ role: 'admin', namespaces: ['*'] }];
    expect(new TokenAuthenticator({ anonymous: true, token: 'x' }).authenticate('Bearer x')).toEqual({
      ok: true,
      user: { username: 'galley:token', groups: ['system:authenticated'], roles: everything },
    });
    expect(new TokenAuthenticator({ anonymous: true }).authenticate(undefined)).toEqual({
      ok: true,
      user: { username: 'system:anonymous', groups: ['system:unauthenticated'], roles: everything },
    });
  });

  it('tells the caller how to configure access when nothing is configured', () => {
    expect(new TokenAuthenticator({ anonymous: false }).authenticate(undefined)).toEqual({ ok: false, message: NO_ACCESS_CONFIGURED });
    expect(NO_ACCESS_CONFIGURED).toContain('MESH_GALLEY_TOKEN_FILE');
    expect(NO_ACCESS_CONFIGURED).toContain('MESH_GALLEY_ANONYMOUS=true');
  });
});

describe('readTokenFile', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'galley-token-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the token without surrounding whitespace', async () => {
    writeFileSync(path.join(dir, 'ok'), '  abc123\n');
    expect(await readTokenFile(path.join(dir, 'ok'))).toBe('abc123');
  });

  it.each([
    ['missing', undefined, 'cannot read the token file'],
    ['empty', '\n', 'is empty'],
    ['two-words', 'a b\n', 'one token without whitespace'],
  ])('refuses a %s file without echoing its content', async (name, content, message) => {
    if (content !== undefined) writeFileSync(path.join(dir, name), content);
    const err = await readTokenFile(path.join(dir, name)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenFileError);
    expect((err as Error).message).toContain(message);
    expect((err as Error).message).not.toContain('a b');
  });
});
