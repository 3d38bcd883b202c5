import crypto from 'node:crypto';
import fs from 'node:fs';
import { MeshError } from '@mesh/shared-api';
import { bearerTokenOf } from './authenticator.js';

/** Admin tokens shorter than this are refused: they guard the power to mint any identity. */
export const MIN_ADMIN_TOKEN_LENGTH = 16;

/** Reads the admin token (trimmed) from its file; a missing, empty or short file stops start-up. */
export function readAdminToken(file: string): string {
  let token: string;
  try {
    token = fs.readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new MeshError('INTERNAL', `cannot read the admin token file ${file}: ${(err as Error).message}`, [], { cause: err });
  }
  if (token.length < MIN_ADMIN_TOKEN_LENGTH) throw new MeshError('INTERNAL', `the admin token in ${file} must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters`);
  return token;
}

/** Compares `Authorization: Bearer <token>` with the admin token in constant time. */
export function checkAdminAuthorization(authorization: string | undefined, adminToken: string): 'ok' | 'missing' | 'invalid' {
  const presented = bearerTokenOf(authorization);
  if (!presented) return 'missing';
  // Hash both sides so the comparison takes the same time whatever the lengths.
  const a = crypto.createHash('sha256').update(presented).digest();
  const b = crypto.createHash('sha256').update(adminToken).digest();
  return crypto.timingSafeEqual(a, b) ? 'ok' : 'invalid';
}
