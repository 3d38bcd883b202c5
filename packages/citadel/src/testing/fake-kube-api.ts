import crypto from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { generateRsaKey } from '@mesh/runtime';
import { CertificateAuthority } from '../ca/certificate-authority.js';
import { createSelfSignedRoot } from '../ca/self-signed-root.js';

/** A Secret as the fake stores it. */
interface StoredSecret {
  metadata: { name: string; namespace: string; resourceVersion: string; uid: string; creationTimestamp: string };
  type?: string;
  data: Record<string, string>;
}

/** Options of a minted service-account token. */
export interface ServiceAccountTokenOptions {
  namespace: string;
  serviceAccount: string;
  /** `aud` claim (default: the API server's audiences). */
  audiences?: string[];
  /** Lifetime from now (s, default 3600); negative makes an expired token. */
  expiresInSeconds?: number;
  /** Signed with a key the API server does not know (a forgery). */
  forged?: boolean;
  /** The pod the token is bound to (`kubernetes.io.pod`). */
  pod?: string;
}

const ISSUER = 'https://kubernetes.default.svc.cluster.local';

/**
 * An in-test Kubernetes API server over real HTTPS (its own CA; clients verify it through the
 * kubeconfig it writes), speaking what Citadel uses, as kube-apiserver does:
 * - `POST /apis/authentication.k8s.io/v1/tokenreviews`: verifies RS256 service-account JWTs that
 *   it minted ({@link serviceAccountToken}): signature, expiry, and audiences (spec.audiences, else
 *   its own); answers 201 with `status.authenticated`, `status.user` (`system:serviceaccount:<ns>:<sa>`,
 *   uid, groups, extra pod-name) and `status.audiences`, or `authenticated: false` with `error`.
 * - Secrets: `GET`/`POST /api/v1/namespaces/<ns>/secrets[/<name>]` with 404 NotFound and 409
 *   AlreadyExists `Status` objects.
 * Every request must carry the caller's bearer token ({@link clientToken}), else 401.
 */
export class FakeKubeApiServer {
  /** Citadel's own credential towards this API server. */
  readonly clientToken = crypto.randomBytes(24).toString('hex');
  /** Requests served: `<METHOD> <path>` (for assertions). */
  readonly requests: string[] = [];
  /** When set, TokenReview answers this HTTP status (an API server in trouble). */
  failTokenReviewsWith: number | undefined;
  private readonly secrets = new Map<string, StoredSecret>();
  private server: https.Server | undefined;
  private caPem = '';
  private signingKey: KeyObject | undefined;
  private forgeryKey: KeyObject | undefined;
  private rv = 1000;

  constructor(private readonly opts: { apiAudiences?: string[] } = {}) {}

  /** The API server's default audiences (for tokens and reviews that name none). */
  get apiAudiences(): string[] {
    return this.opts.apiAudiences ?? [ISSUER];
  }

  /** Starts on a free loopback port with a fresh serving certificate; returns the base URL. */
  async start(): Promise<string> {
    const [caKey, serverKey, saKey, forgeryKey] = await Promise.all([generateRsaKey(2048), generateRsaKey(2048), generateRsaKey(2048), generateRsaKey(2048)]);
    this.caPem = createSelfSignedRoot({ key: caKey, trustDomain: 'fake-kube-apiserver' });
    const ca = new CertificateAuthority({ signingKey: caKey, signingCertPem: this.caPem, chainPems: [this.caPem], rootCertPems: [this.caPem] }, { trustDomain: 'fake-kube-apiserver', defaultTtlSeconds: 3600, maxTtlSeconds: 3600 });
    const serving = ca.issueServingCertificate(crypto.createPublicKey(serverKey), ['localhost', '127.0.0.1'], 3600);
    this.signingKey = saKey;
    this.forgeryKey = forgeryKey;
    this.server = https.createServer({ key: serverKey.export({ type: 'pkcs8', format: 'pem' }), cert: serving.certChainPem[0] }, (req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return this.url;
  }

  /** `https://127.0.0.1:<port>`. */
  get url(): string {
    return `https://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** Writes a kubeconfig (server, CA data, bearer token, optional context namespace) that @kubernetes/client-node loads; returns its path. */
  writeKubeconfig(dir: string, namespace?: string): string {
    const file = path.join(dir, 'kubeconfig.json');
    const config = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'fake', cluster: { server: this.url, 'certificate-authority-data': Buffer.from(this.caPem).toString('base64') } }],
      users: [{ name: 'citadel', user: { token: this.clientToken } }],
      contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'citadel', ...(namespace ? { namespace } : {}) } }],
      'current-context': 'fake',
    };
    fs.writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
    return file;
  }

  /** A projected service-account token (RS256 JWT, the claims kube-apiserver puts in one). */
  serviceAccountToken(o: ServiceAccountTokenOptions): string {
    const now = Math.floor(Date.now() / 1000);
    const exp = now + (o.expiresInSeconds ?? 3600);
    const claims = {
      aud: o.audiences ?? this.apiAudiences,
      exp,
      iat: Math.min(now, exp - 60),
      nbf: Math.min(now, exp - 60),
      iss: ISSUER,
      sub: `system:serviceaccount:${o.namespace}:${o.serviceAccount}`,
      'kubernetes.io': {
        namespace: o.namespace,
        serviceaccount: { name: o.serviceAccount, uid: uidOf(`${o.namespace}/${o.serviceAccount}`) },
        ...(o.pod ? { pod: { name: o.pod, uid: uidOf(o.pod) } } : {}),
      },
    };
    const input = `${b64url({ alg: 'RS256', kid: 'fake-sa-key' })}.${b64url(claims)}`;
    const sig = crypto.sign('sha256', Buffer.from(input), o.forged ? this.forgeryKey! : this.signingKey!);
    return `${input}.${sig.toString('base64url')}`;
  }

  /** A stored Secret's data (base64 values), or undefined. */
  secret(namespace: string, name: string): { type?: string; data: Record<string, string> } | undefined {
    return this.secrets.get(`${namespace}/${name}`);
  }

  /** Closes the server and its connections. */
  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server!.close(() => r()));
    this.server = undefined;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'https://x');
      this.requests.push(`${req.method ?? ''} ${url.pathname}`);
      if (req.headers.authorization !== `Bearer ${this.clientToken}`) return send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
      let body: Record<string, unknown> = {};
      try {
        if (chunks.length > 0) body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        return send(res, 400, status(400, 'BadRequest', 'the body is not JSON'));
      }
      if (req.method === 'POST' && url.pathname === '/apis/authentication.k8s.io/v1/tokenreviews') return this.tokenReview(body, res);
      const m = /^\/api\/v1\/namespaces\/([^/]+)\/secrets(?:\/([^/]+))?$/.exec(url.pathname);
      if (m) return this.secretRequest(req.method ?? '', m[1]!, m[2], body, res);
      send(res, 404, status(404, 'NotFound', `the server could not find the requested resource (${url.pathname})`));
    });
  }

  private tokenReview(body: Record<string, unknown>, res: http.ServerResponse): void {
    if (this.failTokenReviewsWith !== undefined) return send(res, this.failTokenReviewsWith, status(this.failTokenReviewsWith, 'InternalError', 'the API server is having a bad day'));
    if (body['apiVersion'] !== 'authentication.k8s.io/v1' || body['kind'] !== 'TokenReview') return send(res, 400, status(400, 'BadRequest', 'expected an authentication.k8s.io/v1 TokenReview'));
    const spec = (body['spec'] ?? {}) as { token?: string; audiences?: string[] };
    const wanted = spec.audiences && spec.audiences.length > 0 ? spec.audiences : this.apiAudiences;
    const reviewed = this.verifyToken(spec.token ?? '', wanted);
    send(res, 201, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: { creationTimestamp: null }, spec, status: reviewed });
  }

  /** What kube-apiserver's service-account authenticator concludes (same error texts). */
  private verifyToken(token: string, wanted: string[]): Record<string, unknown> {
    const invalid = (reason: string) => ({ authenticated: false, user: {}, error: `[invalid bearer token, ${reason}]` });
    const parts = token.split('.');
    if (parts.length !== 3) return invalid('token lookup failed');
    const ok = crypto.verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), this.signingKey!, Buffer.from(parts[2]!, 'base64url'));
    if (!ok) return invalid('square/go-jose: error in cryptographic primitive');
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { aud: string[]; exp: number; sub: string; 'kubernetes.io': { namespace: string; serviceaccount: { name: string; uid: string }; pod?: { name: string } } };
    if (claims.exp <= Date.now() / 1000) return invalid('service account token has expired');
    const audiences = claims.aud.filter((a) => wanted.includes(a));
    if (audiences.length === 0) return invalid(`token audiences ${JSON.stringify(claims.aud)} is invalid for the target audiences ${JSON.stringify(wanted)}`);
    const k = claims['kubernetes.io'];
    return {
      authenticated: true,
      user: {
        username: claims.sub,
        uid: k.serviceaccount.uid,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${k.namespace}`, 'system:authenticated'],
        ...(k.pod ? { extra: { 'authentication.kubernetes.io/pod-name': [k.pod.name] } } : {}),
      },
      audiences,
    };
  }

  private secretRequest(method: string, namespace: string, name: string | undefined, body: Record<string, unknown>, res: http.ServerResponse): void {
    if (method === 'GET' && name) {
      const s = this.secrets.get(`${namespace}/${name}`);
      return s ? send(res, 200, { apiVersion: 'v1', kind: 'Secret', ...s }) : send(res, 404, status(404, 'NotFound', `secrets "${name}" not found`, { name, kind: 'secrets' }));
    }
    if (method === 'POST' && !name) {
      const meta = (body['metadata'] ?? {}) as { name?: string };
      if (!meta.name) return send(res, 422, status(422, 'Invalid', 'metadata.name: Required value'));
      const key = `${namespace}/${meta.name}`;
      if (this.secrets.has(key)) return send(res, 409, status(409, 'AlreadyExists', `secrets "${meta.name}" already exists`, { name: meta.name, kind: 'secrets' }));
      const stored: StoredSecret = {
        metadata: { name: meta.name, namespace, resourceVersion: String(++this.rv), uid: crypto.randomUUID(), creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z') },
        ...(typeof body['type'] === 'string' ? { type: body['type'] } : {}),
        data: (body['data'] ?? {}) as Record<string, string>,
      };
      this.secrets.set(key, stored);
      return send(res, 201, { apiVersion: 'v1', kind: 'Secret', ...stored });
    }
    send(res, 405, status(405, 'MethodNotAllowed', `${method} is not supported here`));
  }
}

function status(code: number, reason: string, message: string, details?: object): object {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

function send(res: http.ServerResponse, code: number, body: object): void {
  const data = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) });
  res.end(data);
}

function b64url(o: object): string {
  return Buffer.from(JSON.stringify(o)).toString('base64url');
}

function uidOf(s: string): string {
  const h = crypto.createHash('sha256').update(s).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
