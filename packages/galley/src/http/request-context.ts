import type { FastifyRequest } from 'fastify';
import type { UserInfo } from '../auth/authenticator.js';

// Per-request state set by hooks and read by handlers; WeakMaps instead of fastify decorations
// (STYLE.md: no decorate() + module augmentation), so a request's state dies with it.
const users = new WeakMap<FastifyRequest, UserInfo>();
const warnings = new WeakMap<FastifyRequest, string[]>();

/** Records who made the request (set once authentication succeeded). */
export function setUser(req: FastifyRequest, user: UserInfo): void {
  users.set(req, user);
}

/** Who made the request; authentication runs before every handler, so it is always set there. */
export function userOf(req: FastifyRequest): UserInfo {
  const user = users.get(req);
  if (!user) throw new Error('request reached a handler without an authenticated user');
  return user;
}

/** Adds admission warnings to the response (sent as `Warning` headers). */
export function addWarnings(req: FastifyRequest, more: readonly string[]): void {
  if (more.length === 0) return;
  const list = warnings.get(req) ?? [];
  list.push(...more);
  warnings.set(req, list);
}

/** The warnings collected for the request. */
export function warningsOf(req: FastifyRequest): readonly string[] {
  return warnings.get(req) ?? [];
}
