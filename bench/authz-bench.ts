/**
 * Sidecar authorization benchmark (issue 6 part 5): the per-request cost of the security filters
 * (jwt_authn → istio_authn → RBAC) as the sidecar runs them, in process, against the irreducible
 * cost measured in the same run: one native RS256 signature check (`crypto.verify`). JWTs are
 * RS256 with RSA-2048 keys; the RBAC config is an Istio-shaped DENY filter and a three-rule ALLOW filter.
 * Run by hand from the repository root: `node bench/authz-bench.cjs [--seconds 2]`.
 */
import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';

const SECONDS = Number(process.argv[process.argv.indexOf('--seconds') + 1] || 2);
const SRC = path.resolve(__dirname, '..', 'packages', 'sidecar', 'src');

interface Problems {
  list: unknown[];
}
interface Modules {
  checkHttpSecurity(model: unknown, facts: unknown, conn: unknown, now: number): Promise<{ ok: boolean; status?: number }>;
  jwtAuthnFilter(name: string, raw: Record<string, unknown>, at: string, p: Problems): unknown;
  rbacFilter(name: string, raw: Record<string, unknown>, at: string, p: Problems): unknown;
  Problems: new () => Problems;
  compactVerify(token: string, key: KeyObject): Promise<unknown>;
}

/* eslint-disable @typescript-eslint/no-require-imports -- the sources are loaded at run time by the launcher */
const mods: Modules = {
  ...(require(path.join(SRC, 'security', 'http-security.ts')) as object),
  ...(require(path.join(SRC, 'xds', 'decode', 'jwt-authn-filter.ts')) as object),
  ...(require(path.join(SRC, 'xds', 'decode', 'rbac-filter.ts')) as object),
  ...(require(path.join(SRC, 'xds', 'decode', 'fields.ts')) as object),
  ...(require('jose') as object),
} as Modules;
/* eslint-enable @typescript-eslint/no-require-imports */

const ISSUER = 'testing@secure.istio.io';
const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
function jwt(claims: Record<string, unknown>): string {
  const input = `${b64({ alg: 'RS256', kid: 'k1' })}.${b64({ iss: ISSUER, sub: 'alice', aud: 'httpbin', exp: Math.floor(Date.now() / 1000) + 3600, groups: ['dev'], ...claims })}`;
  return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
}

const p = new mods.Problems();
const jwtModel = mods.jwtAuthnFilter(
  'envoy.filters.http.jwt_authn',
  {
    providers: { [ISSUER]: { issuer: ISSUER, audiences: ['httpbin'], local_jwks: { inline_string: JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256' }] }) }, payload_in_metadata: ISSUER } },
    rules: [{ match: { prefix: '/' }, requires: { requires_any: { requirements: [{ provider_name: ISSUER }, { allow_missing: {} }] } } }],
  },
  '',
  p,
);
const meta = (key: string[], value: object) => ({ metadata: { filter: 'istio_authn', path: key.map((k) => ({ key: k })), value } });
const header = (name: string, m: object) => ({ header: { name, ...m } });
// An Istio-shaped pair of filters: DENY /admin*, ALLOW /public to anyone, GET /api/* to the issuer's users in group dev,
// and anything to three service principals.
const deny = mods.rbacFilter('rbac-deny', { rules: { action: 'DENY', policies: { d: { permissions: [{ and_rules: { rules: [{ or_rules: { rules: [header(':path', { prefix_match: '/admin' })] } }] } }], principals: [{ and_ids: { ids: [{ any: true }] } }] } } } }, '', p);
const allow = mods.rbacFilter(
  'rbac-allow',
  {
    rules: {
      policies: {
        r0: { permissions: [{ and_rules: { rules: [{ or_rules: { rules: [header(':path', { exact_match: '/public' })] } }] } }], principals: [{ and_ids: { ids: [{ any: true }] } }] },
        r1: {
          permissions: [{ and_rules: { rules: [{ or_rules: { rules: [header(':method', { exact_match: 'GET' })] } }, { or_rules: { rules: [header(':path', { prefix_match: '/api/' })] } }] } }],
          principals: [{ and_ids: { ids: [{ or_ids: { ids: [meta(['request.auth.principal'], { string_match: { prefix: `${ISSUER}/` } })] } }, { or_ids: { ids: [meta(['request.auth.claims', 'groups'], { list_match: { one_of: { string_match: { exact: 'dev' } } } })] } }] } }],
        },
        r2: { permissions: [{ and_rules: { rules: [{ any: true }] } }], principals: [{ and_ids: { ids: [{ or_ids: { ids: ['a', 'b', 'c'].map((s) => meta(['source.principal'], { string_match: { exact: `cluster.local/ns/default/sa/${s}` } })) } }] } }] },
      },
    },
  },
  '',
  p,
);
if (p.list.length > 0) throw new Error(JSON.stringify(p.list));

const conn = { remoteAddress: '10.0.0.7', localAddress: '10.0.0.9', localPort: 15006 };
const facts = (path: string, token?: string) => ({ method: 'GET', path, authority: 'httpbin.foo:8000', headers: token ? { authorization: `Bearer ${token}` } : {} });

async function rate(name: string, op: () => unknown): Promise<{ name: string; opsPerSec: number; usPerOp: number }> {
  for (let i = 0; i < 200; i++) await op();
  let n = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(SECONDS * 1e9);
  while (process.hrtime.bigint() < end) {
    for (let i = 0; i < 50; i++) await op();
    n += 50;
  }
  const s = Number(process.hrtime.bigint() - start) / 1e9;
  return { name, opsPerSec: n / s, usPerOp: (s / n) * 1e6 };
}

async function main(): Promise<void> {
  const token = jwt({});
  // More distinct tokens than the sidecar's signature cache holds (100): each request verifies a signature.
  const fresh = Array.from({ length: 1000 }, (_, i) => jwt({ jti: String(i) }));
  let next = 0;
  const expired = jwt({ exp: 1 });
  const [h, pl, sig] = token.split('.') as [string, string, string];
  const input = Buffer.from(`${h}.${pl}`);
  const sigBytes = Buffer.from(sig, 'base64url');
  const key = createPublicKey(publicKey.export({ format: 'pem', type: 'spki' }));
  const now = Math.floor(Date.now() / 1000);
  const results = [
    await rate('baseline: native RS256 verify (crypto.verify)', () => verify('sha256', input, key, sigBytes)),
    await rate('jose compactVerify (pre-imported key)', () => mods.compactVerify(token, key)),
    await rate('full check: a new valid JWT each request + istio_authn + RBAC', () => mods.checkHttpSecurity({ jwt: jwtModel, rbac: [deny, allow] }, facts('/api/items', fresh[next++ % fresh.length]), conn, now)),
    await rate('full check: a repeated valid JWT (signature cache) + RBAC', () => mods.checkHttpSecurity({ jwt: jwtModel, rbac: [deny, allow] }, facts('/api/items', token), conn, now)),
    await rate('full check: expired JWT (401 before the signature)', () => mods.checkHttpSecurity({ jwt: jwtModel, rbac: [deny, allow] }, facts('/api/items', expired), conn, now)),
    await rate('RBAC only: no token, 403', () => mods.checkHttpSecurity({ jwt: jwtModel, rbac: [deny, allow] }, facts('/api/items'), conn, now)),
    await rate('RBAC only: no token, /public allowed', () => mods.checkHttpSecurity({ jwt: jwtModel, rbac: [deny, allow] }, facts('/public'), conn, now)),
  ];
  const base = results[0]!.usPerOp;
  process.stdout.write(`authz bench: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}, ${SECONDS} s per case, load ${os.loadavg()[0]!.toFixed(1)}\n`);
  for (const r of results) process.stdout.write(`${r.name.padEnd(62)} ${Math.round(r.opsPerSec).toString().padStart(9)} ops/s  ${r.usPerOp.toFixed(1).padStart(7)} µs/op  ${(r.usPerOp / base).toFixed(2)}× baseline\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
