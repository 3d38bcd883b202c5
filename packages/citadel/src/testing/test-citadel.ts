import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseSettings } from '@mesh/runtime';
import type { Logger } from '@mesh/runtime';
import { startCitadel } from '../citadel.js';
import type { RunningCitadel } from '../citadel.js';
import { citadelSettings } from '../config.js';

/** A Citadel on free ports in a temporary state directory, with an admin token, for tests. */
export interface TestCitadel extends RunningCitadel {
  readonly adminToken: string | undefined;
  /** `localhost:<grpcPort>`: the address clients dial (the server certificate names localhost). */
  readonly address: string;
  /** Mints a bootstrap token through the admin API. */
  issueToken(namespace: string, serviceAccount: string, ttlSeconds?: number): Promise<string>;
  /** Stops Citadel and removes the state directory unless it was given. */
  cleanup(): Promise<void>;
}

/**
 * Starts Citadel in-process. `env` overrides settings (MESH_* names); NATS is off unless
 * `MESH_CITADEL_NATS_ENABLED` is given. `adminToken: null` starts without an admin token.
 */
export async function startTestCitadel(opts: { logger: Logger; env?: Record<string, string>; stateDir?: string; adminToken?: string | null }): Promise<TestCitadel> {
  const stateDir = opts.stateDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-citadel-'));
  const adminToken = opts.adminToken === null ? undefined : (opts.adminToken ?? crypto.randomBytes(24).toString('hex'));
  const env: Record<string, string> = {
    MESH_CITADEL_STATE_DIR: stateDir,
    MESH_CITADEL_GRPC_PORT: '0',
    MESH_CITADEL_GRPC_HOST: '127.0.0.1',
    MESH_ADMIN_PORT: '0',
    MESH_ADMIN_HOST: '127.0.0.1',
    MESH_CITADEL_NATS_ENABLED: 'false',
    MESH_DRAIN_MS: '500',
    ...opts.env,
  };
  if (adminToken !== undefined) {
    const file = path.join(stateDir, 'admin-token');
    fs.writeFileSync(file, adminToken, { mode: 0o600 });
    env['MESH_CITADEL_ADMIN_TOKEN_FILE'] = file;
  }
  let running: RunningCitadel;
  try {
    const parsed = parseSettings(citadelSettings(), [], env);
    if (parsed.help) throw new Error('unreachable');
    running = await startCitadel(parsed.settings, opts.logger);
  } catch (err) {
    if (!opts.stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
    throw err;
  }
  return {
    ...running,
    adminToken,
    address: `localhost:${running.grpcPort}`,
    async issueToken(namespace, serviceAccount, ttlSeconds) {
      const res = await fetch(`http://127.0.0.1:${running.adminPort}/v1/bootstrap-tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken ?? ''}` },
        body: JSON.stringify({ namespace, serviceAccount, ttlSeconds }),
        signal: AbortSignal.timeout(5000),
      });
      const body = (await res.json()) as { token?: string; message?: string };
      if (res.status !== 200 || !body.token) throw new Error(`bootstrap token request failed (${res.status}): ${body.message ?? ''}`);
      return body.token;
    },
    async cleanup() {
      await running.stop();
      if (!opts.stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
