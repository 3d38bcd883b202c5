import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { ROLES } from './authorizer.js';
import type { Role, RoleGrant } from './authorizer.js';
import { TokenFileError } from './token-file.js';

/** One bearer token and who holds it. */
export interface TokenEntry {
  /** The secret; never logged, never echoed in errors. */
  readonly token: string;
  readonly user: string;
  readonly roles: readonly RoleGrant[];
}

const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Reads `MESH_GALLEY_TOKENS_FILE`: YAML with a `tokens` list, each entry
 * `{token, user, roles: {read|write|admin: [namespace | "*", ...]}}`. Errors name the file and the
 * entry (by position and user), never a token.
 */
export async function readTokensFile(path: string): Promise<TokenEntry[]> {
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new TokenFileError(`cannot read the tokens file ${path} (${code}); set MESH_GALLEY_TOKENS_FILE to a readable file`, { cause: err });
  }
  let doc: unknown;
  try {
    doc = parse(raw, { maxAliasCount: 100 });
  } catch (err) {
    // The parser's message may quote the line it failed on, which can hold a token: report the position only.
    const pos = (err as { linePos?: Array<{ line: number }> }).linePos?.[0]?.line;
    throw new TokenFileError(`the tokens file ${path} is not valid YAML${pos ? ` (line ${pos})` : ''}`);
  }
  return parseTokens(doc, path);
}

/** Checks a parsed tokens document; exported for tests. */
export function parseTokens(doc: unknown, path: string): TokenEntry[] {
  const fail = (what: string): never => {
    throw new TokenFileError(`the tokens file ${path}: ${what}`);
  };
  const list = isRecord(doc) ? doc['tokens'] : undefined;
  if (!Array.isArray(list) || list.length === 0) fail('expected a non-empty "tokens" list of {token, user, roles}');
  const seen = new Set<string>();
  return (list as unknown[]).map((e, i) => {
    const at = `tokens[${i}]`;
    if (!isRecord(e)) return fail(`${at} must be a map with token, user and roles`);
    const user = e['user'];
    if (typeof user !== 'string' || user.trim() === '') return fail(`${at}.user must be a non-empty string`);
    const who = `${at} (user "${user}")`;
    const token = e['token'];
    if (typeof token !== 'string' || token === '' || /\s/.test(token)) return fail(`${who}.token must be a non-empty string without whitespace`);
    if (seen.has(token)) return fail(`${who}.token is the same as an earlier entry's; every token must be unique`);
    seen.add(token);
    const roles = e['roles'];
    if (!isRecord(roles) || Object.keys(roles).length === 0) return fail(`${who}.roles must map at least one of ${ROLES.join(', ')} to a list of namespaces or "*"`);
    const grants: RoleGrant[] = Object.entries(roles).map(([role, namespaces]) => {
      if (!(ROLES as readonly string[]).includes(role)) return fail(`${who}.roles.${role} is not a role; use ${ROLES.join(', ')}`);
      const list = typeof namespaces === 'string' ? [namespaces] : namespaces;
      if (!Array.isArray(list) || list.length === 0 || !list.every((n) => typeof n === 'string' && (n === '*' || (n.length <= 63 && NAMESPACE.test(n))))) {
        return fail(`${who}.roles.${role} must be a non-empty list of namespace names or "*"`);
      }
      return { role: role as Role, namespaces: Object.freeze([...(list as string[])]) };
    });
    return Object.freeze({ token, user, roles: Object.freeze(grants) });
  });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
