import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Runs the `openssl` CLI on PEM inputs written to a temporary directory; returns stdout+stderr. */
export function openssl(args: (dir: string) => string[], files: Record<string, string>): { ok: boolean; output: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-openssl-'));
  try {
    for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
    try {
      const out = execFileSync('openssl', args(dir), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      return { ok: true, output: out };
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `openssl verify -CAfile root -untrusted <intermediates> leaf` on a chain (leaf first, root last). */
export function opensslVerifyChain(chainPems: readonly string[], rootPem: string): { ok: boolean; output: string } {
  const intermediates = chainPems.slice(1, -1).join('');
  return openssl(
    (d) => ['verify', '-CAfile', path.join(d, 'root.pem'), ...(intermediates ? ['-untrusted', path.join(d, 'inter.pem')] : []), path.join(d, 'leaf.pem')],
    { 'root.pem': rootPem, 'leaf.pem': chainPems[0] ?? '', ...(intermediates ? { 'inter.pem': intermediates } : {}) },
  );
}

/** The certificate's extension text as `openssl x509 -noout -ext <names>` prints it. */
export function opensslExtensions(certPem: string, names = 'subjectAltName,keyUsage,extendedKeyUsage,basicConstraints'): string {
  const r = openssl((d) => ['x509', '-noout', '-ext', names, '-in', path.join(d, 'c.pem')], { 'c.pem': certPem });
  if (!r.ok) throw new Error(r.output);
  return r.output;
}
