import { readFile } from 'node:fs/promises';

/** The token file could not be used; the message names the file, never its content. */
export class TokenFileError extends Error {
  override readonly name = 'TokenFileError';
}

/** Reads a bearer token from a file (surrounding whitespace and a trailing newline are ignored). */
export async function readTokenFile(path: string): Promise<string> {
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new TokenFileError(`cannot read the token file ${path} (${code}); set MESH_GALLEY_TOKEN_FILE to a readable file`, { cause: err });
  }
  const token = raw.trim();
  if (token === '') throw new TokenFileError(`the token file ${path} is empty; put the bearer token in it`);
  if (/\s/.test(token)) throw new TokenFileError(`the token file ${path} must hold one token without whitespace`);
  return token;
}
