import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Options of {@link makeCacertsDir}: lifetimes in days (openssl's unit). */
export interface CacertsOptions {
  rootDays?: number;
  intermediateDays?: number;
  /** Leave the root out of cert-chain.pem (Citadel appends it). */
  chainWithoutRoot?: boolean;
}

/**
 * Writes a plugged-in CA in Istio's cacerts layout into `dir`, made with the openssl CLI the way
 * Istio's docs (tools/certs) make one: a root, an intermediate signed by it, `cert-chain.pem` =
 * intermediate + root. Also leaves `root-key.pem` (which a real cacerts directory never holds).
 */
export function makeCacertsDir(dir: string, opts: CacertsOptions = {}): { rootCertPem: string; caCertPem: string; certChainPem: string } {
  fs.mkdirSync(dir, { recursive: true });
  const f = (n: string): string => path.join(dir, n);
  const run = (args: string[]): void => void execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('root-key.pem'), '-out', f('root-cert.pem'), '-subj', '/O=Example Org/CN=Example Root CA', '-days', String(opts.rootDays ?? 3650),
    '-addext', 'basicConstraints=critical,CA:true', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  run(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca-key.pem'), '-out', f('ca.csr'), '-subj', '/O=Example Org/CN=Intermediate CA citadel']);
  fs.writeFileSync(f('ca.ext'), 'basicConstraints=critical,CA:true,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign,digitalSignature\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n');
  run(['x509', '-req', '-in', f('ca.csr'), '-CA', f('root-cert.pem'), '-CAkey', f('root-key.pem'), '-CAcreateserial', '-out', f('ca-cert.pem'), '-days', String(opts.intermediateDays ?? 730), '-sha256', '-extfile', f('ca.ext')]);
  for (const n of ['ca.csr', 'ca.ext', 'root-cert.srl']) fs.rmSync(f(n), { force: true });
  fs.chmodSync(f('ca-key.pem'), 0o600);
  const rootCertPem = fs.readFileSync(f('root-cert.pem'), 'utf8');
  const caCertPem = fs.readFileSync(f('ca-cert.pem'), 'utf8');
  const certChainPem = opts.chainWithoutRoot ? caCertPem : caCertPem + rootCertPem;
  fs.writeFileSync(f('cert-chain.pem'), certChainPem);
  return { rootCertPem, caCertPem, certChainPem };
}
