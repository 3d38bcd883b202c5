import crypto from 'node:crypto';
import path from 'node:path';
import type { Logger } from '@mesh/runtime';
import { MeshError } from '@mesh/shared-api';
import { createFileExclusive, ensureStateDir, isExposed, readFileIfExists } from '../state-files.js';

/** The HMAC secret for bootstrap tokens, base64, in the state directory. */
export const TOKEN_KEY_FILE = 'bootstrap-token-key';

/** Loads the bootstrap-token secret, creating 32 random bytes (0600) on first start. */
export function loadOrCreateTokenKey(stateDir: string, logger: Logger): Buffer {
  const file = path.join(stateDir, TOKEN_KEY_FILE);
  ensureStateDir(stateDir);
  if (readFileIfExists(file) === undefined && createFileExclusive(file, crypto.randomBytes(32).toString('base64') + '\n', 0o600)) {
    logger.info({ file }, 'created the bootstrap token key');
  }
  const key = Buffer.from((readFileIfExists(file) ?? '').trim(), 'base64');
  if (key.length < 32) throw new MeshError('INTERNAL', `${file} must hold at least 32 bytes, base64; remove it to create a new one (this revokes every bootstrap token)`);
  if (isExposed(file)) logger.warn({ file }, 'the bootstrap token key is readable by group or others; chmod 600 it');
  return key;
}
