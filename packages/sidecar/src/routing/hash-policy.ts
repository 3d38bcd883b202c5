import { combineHash, hash32 } from './hash.js';
import { queryParameter } from './match.js';
import type { HashPolicyModel } from './route-model.js';

/** What hash policies read from a request. */
export interface HashInput {
  readonly path: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly sourceIp: string;
  /** `address:port` of the downstream connection: the seed of a generated cookie. */
  readonly downstreamAddress: string;
}

/** The request's hash, and a cookie to set when a cookie policy generated one. */
export interface HashResult {
  readonly hash?: number;
  readonly setCookie?: string;
}

/** A cookie's value from a Cookie header (`a=1; b="2"`), quotes removed. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/;\s*/)) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
  }
  return undefined;
}

/**
 * Envoy's `hash_policy` evaluation (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-routeaction-hashpolicy):
 * each policy that yields a value contributes to the hash; a terminal one that yields stops the
 * list. A cookie policy with a `ttl` whose cookie is absent generates one (from the downstream
 * address, so one client keeps its host) and asks for it to be set on the response.
 */
export function computeHash(policies: readonly HashPolicyModel[], input: HashInput): HashResult {
  let hash: number | undefined;
  let setCookie: string | undefined;
  for (const p of policies) {
    let value: string | undefined;
    switch (p.kind) {
      case 'header':
        value = input.headers[p.name];
        break;
      case 'source-ip':
        value = input.sourceIp || undefined;
        break;
      case 'query':
        value = queryParameter(input.path, p.name);
        break;
      case 'cookie': {
        value = cookieValue(input.headers['cookie'], p.name);
        if (value === undefined && p.ttlS !== undefined) {
          value = hash32(input.downstreamAddress, 1).toString(16).padStart(8, '0') + hash32(input.downstreamAddress, 2).toString(16).padStart(8, '0');
          setCookie = `${p.name}="${value}"; Max-Age=${p.ttlS}${p.path ? `; Path=${p.path}` : ''}; HttpOnly`;
        }
        break;
      }
    }
    if (value === undefined) continue;
    const h = hash32(value);
    hash = hash === undefined ? h : combineHash(hash, h);
    if (p.terminal) break;
  }
  return { ...(hash !== undefined ? { hash } : {}), ...(setCookie ? { setCookie } : {}) };
}
