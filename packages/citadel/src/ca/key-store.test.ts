import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '@mesh/runtime/testing';
import { CA_KEY_FILE, loadOrCreateSelfSignedCa, ROOT_CERT_FILE } from './key-store.js';

describe('loadOrCreateSelfSignedCa', () => {
  const logger = silentLogger();
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-ca-store-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('creates ca-key.pem (0600) and root-cert.pem once, then reuses them', async () => {
    const stateDir = path.join(dir, 'nested', 'citadel');
    const first = await loadOrCreateSelfSignedCa({ stateDir, trustDomain: 'cluster.local', logger });
    expect(first.created).toBe(true);
    expect(fs.statSync(path.join(stateDir, CA_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(fs.statSync(stateDir).mode & 0o077).toBe(0);
    const rootPem = fs.readFileSync(path.join(stateDir, ROOT_CERT_FILE), 'utf8');
    expect(new crypto.X509Certificate(rootPem).fingerprint256).toBe(first.fingerprint);
    const second = await loadOrCreateSelfSignedCa({ stateDir, trustDomain: 'cluster.local', logger });
    expect(second.created).toBe(false);
    expect(second.fingerprint).toBe(first.fingerprint);
    expect(second.keys.signingCertPem).toBe(rootPem);
  });

  it('creates exactly one root when two starts race on one directory', async () => {
    const [a, b] = await Promise.all([
      loadOrCreateSelfSignedCa({ stateDir: dir, trustDomain: 'cluster.local', logger }),
      loadOrCreateSelfSignedCa({ stateDir: dir, trustDomain: 'cluster.local', logger }),
    ]);
    expect(a.fingerprint).toBe(b.fingerprint);
    expect([a.created, b.created].filter(Boolean)).toHaveLength(1);
    expect(fs.readdirSync(dir).sort()).toEqual([CA_KEY_FILE, ROOT_CERT_FILE]);
  });

  it('refuses a key without its root certificate instead of silently making a new root', async () => {
    await loadOrCreateSelfSignedCa({ stateDir: dir, trustDomain: 'cluster.local', logger });
    fs.rmSync(path.join(dir, ROOT_CERT_FILE));
    await expect(loadOrCreateSelfSignedCa({ stateDir: dir, trustDomain: 'cluster.local', logger, pairWaitMs: 100 })).rejects.toThrow(/ca-key.pem exists but .*root-cert.pem does not/);
  });

  it('refuses a key that does not belong to the root certificate', async () => {
    await loadOrCreateSelfSignedCa({ stateDir: dir, trustDomain: 'cluster.local', logger });
    const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    fs.writeFileSync(path.join(dir, CA_KEY_FILE), other);
    await expect(loadOrCreateSelfSignedCa({ stateDir: dir, trustDomain: 'cluster.local', logger })).rejects.toThrow(/does not belong to/);
  });
});
