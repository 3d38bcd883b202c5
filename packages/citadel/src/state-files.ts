import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Creates the state directory (owner-only) if needed. */
export function ensureStateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/** The file's contents, or undefined when it does not exist. */
export function readFileIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Creates `file` with `data` and `mode` only if it does not exist yet; false when it already did.
 * The content is written to a temporary file first and hard-linked into place, so a replica
 * sharing the state directory never reads a half-written file and exactly one writer wins.
 * Filesystems without hard links fall back to an exclusive create.
 */
export function createFileExclusive(file: string, data: string | Buffer, mode: number): boolean {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${crypto.randomBytes(6).toString('hex')}.tmp`);
  fs.writeFileSync(tmp, data, { mode, flag: 'wx' });
  try {
    fs.chmodSync(tmp, mode);
    fs.linkSync(tmp, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV' && code !== 'ENOSYS') throw err;
    try {
      fs.writeFileSync(file, data, { mode, flag: 'wx' });
      fs.chmodSync(file, mode);
      return true;
    } catch (err2) {
      if ((err2 as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err2;
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** True when group or others may read or write the file (a private key must be 0600). */
export function isExposed(file: string): boolean {
  return (fs.statSync(file).mode & 0o077) !== 0;
}

/** Waits until `file` exists (another process is creating it), up to `timeoutMs`. */
export async function waitForFile(file: string, timeoutMs: number): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const data = readFileIfExists(file);
    if (data !== undefined || Date.now() >= deadline) return data;
    await new Promise((r) => setTimeout(r, 100));
  }
}
