import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** PEM material for TLS tests: a CA, and server/client certificates it signed. */
export interface TestPki {
  readonly dir: string;
  readonly caCert: string;
  /** Issue a certificate for `cn` with DNS / URI subject alt names. */
  issue(cn: string, sans: string[]): { cert: string; key: string; certFile: string; keyFile: string };
  cleanup(): void;
}

/** Makes a throwaway CA with the openssl CLI (EC P-256 keys, valid one day). */
export function makeTestPki(): TestPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sidecar-pki-'));
  const f = (n: string) => path.join(dir, n);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '1', '-subj', '/CN=test-ca');
  let n = 0;
  return {
    dir,
    caCert: fs.readFileSync(f('ca.crt'), 'utf8'),
    issue(cn, sans) {
      const id = `c${++n}`;
      openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f(`${id}.key`), '-out', f(`${id}.csr`), '-subj', `/CN=${cn}`);
      fs.writeFileSync(f(`${id}.ext`), `subjectAltName=${sans.join(',')}\n`);
      openssl('x509', '-req', '-in', f(`${id}.csr`), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f(`${id}.crt`), '-days', '1', '-extfile', f(`${id}.ext`));
      return { cert: fs.readFileSync(f(`${id}.crt`), 'utf8'), key: fs.readFileSync(f(`${id}.key`), 'utf8'), certFile: f(`${id}.crt`), keyFile: f(`${id}.key`) };
    },
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
