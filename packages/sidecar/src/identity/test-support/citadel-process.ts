import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@mesh/runtime/testing';

/**
 * Test support for the certificate agent: the real Citadel as a process (services never import
 * each other), from its build output (`npx tsc -p packages/citadel/tsconfig.build.json` first).
 */
const CITADEL_DIR = path.resolve(__dirname, '../../../../citadel');
const CITADEL_BIN = path.join(CITADEL_DIR, 'bin', 'mesh-citadel.js');

/** A Citadel child process on free ports. */
export class CitadelProcess {
  private output = '';
  private constructor(
    readonly child: ChildProcess,
    readonly grpcPort: number,
    readonly adminPort: number,
  ) {
    child.stdout?.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-4000)));
    child.stderr?.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-4000)));
  }

  /** Starts Citadel on `stateDir` (and `grpcPort` if given); `env` adds settings. */
  static async start(stateDir: string, adminTokenFile: string, grpcPort?: number, env: Record<string, string> = {}): Promise<CitadelProcess> {
    if (!fs.existsSync(path.join(CITADEL_DIR, 'dist', 'main.js'))) {
      throw new Error(`Citadel is not built (${CITADEL_DIR}/dist/main.js is missing): run \`npx tsc -p packages/citadel/tsconfig.build.json\` from the repo root first`);
    }
    const port = grpcPort ?? (await freePort());
    const adminPort = await freePort();
    const child = spawn(process.execPath, [CITADEL_BIN], {
      env: {
        ...process.env,
        MESH_CITADEL_STATE_DIR: stateDir,
        MESH_CITADEL_ADMIN_TOKEN_FILE: adminTokenFile,
        MESH_CITADEL_GRPC_PORT: String(port),
        MESH_CITADEL_GRPC_HOST: '127.0.0.1',
        MESH_ADMIN_PORT: String(adminPort),
        MESH_ADMIN_HOST: '127.0.0.1',
        MESH_CITADEL_NATS_ENABLED: 'false',
        MESH_DRAIN_MS: '500',
        MESH_LOG_LEVEL: 'info',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const c = new CitadelProcess(child, port, adminPort);
    await c.waitReady(20_000);
    return c;
  }

  /** The last few KiB of Citadel's log (for assertions and failure messages). */
  get log(): string {
    return this.output;
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`Citadel exited with ${this.child.exitCode}:\n${this.output}`);
      try {
        const res = await fetch(`http://127.0.0.1:${this.adminPort}/healthz/ready`, { signal: AbortSignal.timeout(500) });
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    this.child.kill('SIGKILL');
    throw new Error(`Citadel was not ready within ${timeoutMs} ms:\n${this.output}`);
  }

  /** Mints a bootstrap token through Citadel's admin API. */
  async issueToken(adminToken: string, namespace: string, serviceAccount: string): Promise<string> {
    const res = await fetch(`http://127.0.0.1:${this.adminPort}/v1/bootstrap-tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ namespace, serviceAccount }),
      signal: AbortSignal.timeout(5000),
    });
    const body = (await res.json()) as { token?: string; message?: string };
    if (!body.token) throw new Error(`token request failed (${res.status}): ${body.message ?? ''}`);
    return body.token;
  }

  /** SIGTERM; resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    const exited = new Promise<number | null>((r) => this.child.once('exit', (code) => r(code)));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }
}

/**
 * A minimal Kubernetes API server over HTTPS for Citadel's TokenReview calls: tokens registered with
 * {@link allow} review as `system:serviceaccount:<ns>:<sa>` for the audiences asked for; anything
 * else is `authenticated: false`. Citadel's own suite covers signature, expiry and audience checks
 * against a fuller fake; this one only has to let the agent's token through.
 */
export class TokenReviewServer {
  /** Tokens reviewed, in order. */
  readonly reviewed: string[] = [];
  private readonly tokens = new Map<string, { namespace: string; serviceAccount: string }>();
  private readonly clientToken = crypto.randomBytes(16).toString('hex');
  private server: https.Server | undefined;
  private caPem = '';

  /** Starts on a free loopback port with a self-signed certificate made by openssl. */
  async start(dir: string): Promise<void> {
    const key = path.join(dir, 'kube-key.pem');
    const cert = path.join(dir, 'kube-cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-subj', '/CN=kube-apiserver', '-days', '1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    this.caPem = fs.readFileSync(cert, 'utf8');
    this.server = https.createServer({ key: fs.readFileSync(key), cert: this.caPem }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const reply = (code: number, body: object): void => {
          res.writeHead(code, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        if (req.headers.authorization !== `Bearer ${this.clientToken}`) return reply(401, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Unauthorized', code: 401 });
        if (req.method !== 'POST' || req.url?.split('?')[0] !== '/apis/authentication.k8s.io/v1/tokenreviews') return reply(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
        const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { spec: { token: string; audiences?: string[] } };
        this.reviewed.push(review.spec.token);
        const sa = this.tokens.get(review.spec.token);
        const status = sa
          ? { authenticated: true, user: { username: `system:serviceaccount:${sa.namespace}:${sa.serviceAccount}`, uid: crypto.randomUUID(), groups: ['system:serviceaccounts', `system:serviceaccounts:${sa.namespace}`, 'system:authenticated'] }, audiences: review.spec.audiences ?? [] }
          : { authenticated: false, user: {}, error: '[invalid bearer token, token lookup failed]' };
        reply(201, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: { creationTimestamp: null }, spec: review.spec, status });
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
  }

  /** Lets `token` prove the service account. */
  allow(token: string, namespace: string, serviceAccount: string): void {
    this.tokens.set(token, { namespace, serviceAccount });
  }

  /** A kubeconfig for Citadel (server, CA, bearer token); returns its path. */
  writeKubeconfig(dir: string): string {
    const file = path.join(dir, 'kubeconfig.json');
    const port = (this.server!.address() as AddressInfo).port;
    fs.writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'k', cluster: { server: `https://127.0.0.1:${port}`, 'certificate-authority-data': Buffer.from(this.caPem).toString('base64') } }],
        users: [{ name: 'citadel', user: { token: this.clientToken } }],
        contexts: [{ name: 'k', context: { cluster: 'k', user: 'citadel' } }],
        'current-context': 'k',
      }),
    );
    return file;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server!.close(() => r()));
  }
}

/** A temporary directory for one suite. */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
