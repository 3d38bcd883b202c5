import http from 'node:http';
import type { ChannelCredentials } from '@grpc/grpc-js';
import { pilotSettingSpecs, startPilot } from '@mesh/pilot';
import type { RunningPilot } from '@mesh/pilot';
import { parseSettings } from '@mesh/runtime';
import type { Logger } from '@mesh/runtime';
import { buildSidecarConfig, Sidecar, sidecarSettingSpecs } from '@mesh/sidecar';
import type { CertificateAgent, RequestInfo } from '@mesh/sidecar';
import { startTestUpstream } from '@mesh/sidecar/testing';
import type { TestUpstream } from '@mesh/sidecar/testing';

/**
 * Pieces of a mesh run inside the test process (Pilot, sidecars with their apps) for e2e tests that
 * need to reach into them (routing tables, request observers); the processes themselves are the
 * real components, configured by their own settings.
 */

/** A plain HTTP GET on 127.0.0.1 (no agent: a fresh connection); resolves with the status or the error code. */
export function httpGet(port: number, host: string, pathname = '/'): Promise<{ status: number } | { error: string }> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathname, headers: { host }, agent: false, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    req.end();
  });
}

/** Polls `check` every 50 ms until it holds; throws after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Pilot on free loopback ports with a short debounce, plus any settings given (`MESH_PILOT_*`). */
export async function startTestPilot(natsUrl: string, logger: Logger, env: Record<string, string> = {}): Promise<RunningPilot> {
  const parsed = parseSettings(pilotSettingSpecs, [], {
    MESH_NATS_URL: natsUrl,
    MESH_PILOT_XDS_PORT: '0',
    MESH_PILOT_XDS_HOST: '127.0.0.1',
    MESH_ADMIN_PORT: '0',
    MESH_ADMIN_HOST: '127.0.0.1',
    MESH_PILOT_DEBOUNCE_MS: '20',
    MESH_PILOT_DEBOUNCE_MAX_MS: '200',
    MESH_DRAIN_MS: '300',
    ...env,
  });
  if (parsed.help) throw new Error('unexpected help');
  return startPilot(parsed.settings, logger);
}

/** A sidecar (with its app when it serves a service) and every request it completed. */
export interface TestWorkload {
  readonly sidecar: Sidecar;
  readonly agent: CertificateAgent | undefined;
  readonly app: TestUpstream | undefined;
  readonly seen: RequestInfo[];
}

/** Options of {@link startTestWorkload}. */
export interface TestWorkloadOptions {
  /** Pilot's xDS address (`host:port`). */
  readonly pilotAddress: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  /** The service the workload serves (an app answering on a free port); none for a pure client. */
  readonly service?: string;
  /** The workload's certificate agent (started and stopped with the sidecar); none: no certificate. */
  readonly agent?: CertificateAgent;
  /** Credentials for xDS (mTLS to Pilot's 15011); plaintext when absent. */
  readonly xdsCredentials?: ChannelCredentials;
  readonly logger: Logger;
}

/** Starts a sidecar on free loopback ports and waits until it has its first configuration. */
export async function startTestWorkload(o: TestWorkloadOptions): Promise<TestWorkload> {
  const app = o.service ? await startTestUpstream(o.service) : undefined;
  const parsed = parseSettings(sidecarSettingSpecs, [], {
    MESH_SIDECAR_PILOT_ADDRESS: o.pilotAddress,
    MESH_SIDECAR_OUTBOUND_PORT: '0',
    MESH_SIDECAR_INBOUND_PORT: '0',
    MESH_SIDECAR_INBOUND_BIND_HOST: '127.0.0.1',
    MESH_ADMIN_PORT: '0',
    MESH_SIDECAR_NAMESPACE: o.namespace,
    MESH_SIDECAR_SERVICE_ACCOUNT: o.serviceAccount,
    MESH_SIDECAR_LABELS: o.service ? `app=${o.service}` : `role=${o.serviceAccount}`,
    MESH_DRAIN_MS: '300',
    ...(o.service && app ? { MESH_SIDECAR_SERVICE: o.service, MESH_SIDECAR_APP_PORT: String(app.port) } : {}),
  });
  if (parsed.help) throw new Error('unexpected help');
  const seen: RequestInfo[] = [];
  const agent = o.agent;
  const sidecar = new Sidecar({
    config: buildSidecarConfig(parsed.settings),
    logger: o.logger,
    ...(agent ? { identity: agent, components: [{ name: 'identity', start: () => agent.start(), stop: () => agent.stop() }] } : {}),
    observers: [{ onRequestComplete: (i) => seen.push(i) }],
    ...(o.xdsCredentials ? { xdsCredentials: o.xdsCredentials } : {}),
  });
  const workload = { sidecar, agent, app, seen };
  try {
    await sidecar.start();
    await sidecar.whenSynced(20_000);
  } catch (err) {
    await stopTestWorkload(workload);
    throw err;
  }
  return workload;
}

/** Stops the sidecar (and its agent) and the app. */
export async function stopTestWorkload(w: TestWorkload): Promise<void> {
  await w.sidecar.stop();
  await w.app?.close();
}
