import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseSettings } from '@mesh/runtime';
import { pilotSettingSpecs, validatePilotSettings } from '../config.js';
import { describeXdsCertificate, xdsServerCredentials } from './xds-tls.js';

const settings = (env: Record<string, string>) => {
  const parsed = parseSettings(pilotSettingSpecs, [], env);
  if (parsed.help) throw new Error('unexpected help');
  return parsed.settings;
};

describe("Pilot's mTLS xDS port settings and certificate", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pilot-xds-tls-'));
    const f = (n: string) => path.join(dir, n);
    fs.writeFileSync(f('ext'), 'subjectAltName=URI:spiffe://cluster.local/ns/mesh-system/sa/pilot\n');
    const openssl = (...a: string[]) => execFileSync('openssl', a, { stdio: 'pipe' });
    openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '1', '-subj', '/CN=root');
    openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('pilot.key'), '-out', f('pilot.csr'), '-subj', '/O=cluster.local');
    openssl('x509', '-req', '-in', f('pilot.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('pilot.crt'), '-days', '1', '-extfile', f('ext'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('defaults to port 15011 and auto mTLS on', () => {
    const s = validatePilotSettings(settings({}));
    expect(s.xdsTlsPort).toBe(15011);
    expect(s.enableAutoMtls).toBe(true);
  });

  it('refuses a partial set of TLS files', () => {
    expect(() => validatePilotSettings(settings({ MESH_PILOT_TLS_CERT_FILE: '/x.crt' }))).toThrow(/needs all of MESH_PILOT_TLS_CERT_FILE, MESH_PILOT_TLS_KEY_FILE and MESH_PILOT_TLS_ROOT_CERT_FILE/);
  });

  it("reads Pilot's SPIFFE identity from its certificate and builds server credentials", () => {
    const files = { certFile: path.join(dir, 'pilot.crt'), keyFile: path.join(dir, 'pilot.key'), rootCertFile: path.join(dir, 'ca.crt'), refreshMs: 1000 };
    expect(describeXdsCertificate(files).identity).toBe('spiffe://cluster.local/ns/mesh-system/sa/pilot');
    expect(xdsServerCredentials(files)._isSecure()).toBe(true);
    expect(() => describeXdsCertificate({ ...files, keyFile: path.join(dir, 'missing.key') })).toThrow(/ENOENT/);
  });
});
