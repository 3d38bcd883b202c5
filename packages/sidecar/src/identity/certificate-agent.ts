import crypto from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '@mesh/runtime';
import { MeshError, spiffeId } from '@mesh/shared-api';
import type { ErrorCode } from '@mesh/shared-api';
import { CitadelClient } from './citadel-client.js';
import type { PendingCall } from './citadel-client.js';
import { checkIssuedChain } from './issued-chain.js';
import { fingerprintsOf, tlsMaterialOf } from './tls-material.js';
import type { TlsMaterial } from './tls-material.js';
import { StaticTokenSource } from './token-source.js';
import type { TokenSource } from './token-source.js';
import type { CertificateAgentOptions, CertificateAgentState, CertificateSummary, WorkloadCertificate } from './types.js';
import { generateKeyAndCsr } from './workload-key.js';

/** Called with each newly installed certificate (the first one included). */
export type RotationListener = (cert: WorkloadCertificate) => void;

/** gRPC codes that a later attempt may not repeat; others (credentials, CSR) need a human. */
const TRANSIENT = new Set<number>([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED, grpc.status.RESOURCE_EXHAUSTED, grpc.status.ABORTED, grpc.status.INTERNAL, grpc.status.UNKNOWN]);
/** Rotation happens up to this fraction of the lifetime early, so workloads started together spread out. */
const ROTATION_JITTER = 0.1;
/** setTimeout's longest delay (2^31-1 ms, ~24.8 days); a 90-day certificate rotates later than that. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * The sidecar's certificate agent (Istio's node agent role): makes a key and a CSR for the
 * workload's SPIFFE ID, has Citadel sign it (proving the identity with a bootstrap token), keeps
 * key and chain in memory, and rotates at half the lifetime. A new certificate replaces the old
 * one only once issued and checked, so `current()` never has a gap; failures are retried with
 * exponential backoff, denser as expiry approaches.
 */
export class CertificateAgent {
  /** The SPIFFE ID this agent obtains certificates for. */
  readonly identity: string;
  private readonly log: Logger;
  private readonly client: CitadelClient;
  private readonly listeners = new Set<RotationListener>();
  private tokens: TokenSource;
  private readonly rootFingerprints: string[];
  private chainSummary: CertificateSummary[] = [];
  private cert: WorkloadCertificate | undefined;
  private timer: NodeJS.Timeout | undefined;
  private nextRotationAt: number | undefined;
  private inflight: PendingCall<string[]> | undefined;
  private wakeSleeper: (() => void) | undefined;
  private started = false;
  private stopped = false;
  private rotations = 0;
  private backoffMs: number;
  private lastError: { message: string; at: Date } | undefined;
  private lastInstalledAt: number | undefined;
  private readonly counters: { issued?: { add(v: number, a?: Record<string, string>): void }; failed?: { add(v: number, a?: Record<string, string>): void } } = {};

  constructor(private readonly opts: CertificateAgentOptions) {
    this.identity = spiffeId(opts.trustDomain, opts.namespace, opts.serviceAccount);
    if (!opts.tokenSource && !opts.token) throw new Error('CertificateAgent needs a token or a tokenSource');
    this.tokens = opts.tokenSource ?? new StaticTokenSource(opts.token!);
    this.rootFingerprints = fingerprintsOf(opts.rootCertPem);
    this.log = opts.logger.child({ component: 'certificate-agent', identity: this.identity });
    this.client = new CitadelClient({ address: opts.citadelAddress, rootCertPem: opts.rootCertPem, ...(opts.tlsServerName ? { tlsServerName: opts.tlsServerName } : {}) });
    this.backoffMs = this.retryInitialMs;
    if (opts.metrics) {
      this.counters.issued = opts.metrics.createCounter('sidecar_agent_cert_issuance_count', { description: 'workload certificates obtained from Citadel' });
      this.counters.failed = opts.metrics.createCounter('sidecar_agent_cert_request_failure_count', { description: 'failed certificate requests to Citadel, by gRPC code' });
      opts.metrics
        .createObservableGauge('sidecar_agent_cert_expiry_timestamp', { description: 'when the current workload certificate expires (Unix seconds)', unit: 's' })
        .addCallback((r) => {
          if (this.cert) r.observe(Math.floor(this.cert.notAfter.getTime() / 1000));
        });
      // Istio's istio_agent_cert_expiry_seconds: what alerts are written against.
      opts.metrics
        .createObservableGauge('sidecar_agent_cert_expiry_seconds', { description: 'seconds until the current workload certificate expires (0 when expired)', unit: 's' })
        .addCallback((r) => {
          if (this.cert) r.observe(Math.max(0, Math.floor((this.cert.notAfter.getTime() - Date.now()) / 1000)));
        });
      const rootNotAfter = Math.min(...(opts.rootCertPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((p) => new Date(new crypto.X509Certificate(p).validTo).getTime()));
      opts.metrics
        .createObservableGauge('sidecar_agent_root_cert_expiry_timestamp', { description: 'when the earliest-expiring trusted root expires (Unix seconds)', unit: 's' })
        .addCallback((r) => {
          if (Number.isFinite(rootNotAfter)) r.observe(Math.floor(rootNotAfter / 1000));
        });
    }
  }

  /**
   * Obtains the first certificate, retrying transient failures (Citadel unreachable, deadline) with
   * backoff for up to `startTimeoutMs`; then rotates in the background until {@link stop}. Rejects
   * at once, with a MeshError (UNAUTHENTICATED, FORBIDDEN, BAD_REQUEST), when Citadel refuses the
   * token or the CSR, since retrying cannot help.
   */
  async start(): Promise<WorkloadCertificate> {
    if (this.started) throw new Error('CertificateAgent.start() was already called');
    this.started = true;
    const deadline = Date.now() + (this.opts.startTimeoutMs ?? 60_000);
    for (;;) {
      if (this.stopped) throw new MeshError('UNAVAILABLE', 'the certificate agent was stopped before it obtained a certificate');
      try {
        const cert = await this.requestCertificate();
        this.install(cert);
        return cert;
      } catch (err) {
        if (this.stopped) throw new MeshError('UNAVAILABLE', 'the certificate agent was stopped before it obtained a certificate', [], { cause: err });
        const failure = this.recordFailure(err);
        if (!failure.transient) throw new MeshError(failure.code, `Citadel at ${this.opts.citadelAddress} refused a certificate for ${this.identity}: ${failure.message}`, [], { cause: err });
        const delay = this.nextBackoff();
        if (Date.now() + delay > deadline) {
          throw new MeshError('UNAVAILABLE', `no certificate for ${this.identity} from Citadel at ${this.opts.citadelAddress} within ${this.opts.startTimeoutMs ?? 60_000} ms: ${failure.message}`, [], { cause: err });
        }
        this.log.warn({ error: failure.message, retryInMs: delay }, 'could not obtain a certificate yet; retrying');
        await this.sleep(delay);
      }
    }
  }

  /** The current certificate, or undefined before the first one and after expiry. */
  current(): WorkloadCertificate | undefined {
    return this.cert && this.cert.notAfter.getTime() > Date.now() ? this.cert : undefined;
  }

  /** Subscribes to new certificates; returns the unsubscribe function. */
  onRotate(listener: RotationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Like {@link onRotate}, but also calls `listener` at once with the current certificate, if
   * any: what a TLS context holder needs to never miss one (subscribe before or after start).
   */
  subscribe(listener: RotationListener): () => void {
    const unsubscribe = this.onRotate(listener);
    const cert = this.current();
    if (cert) listener(cert);
    return unsubscribe;
  }

  /** Key, chain (without the root) and trust bundle of the current certificate, ready for a TLS context; undefined before the first. */
  tlsMaterial(): TlsMaterial | undefined {
    const cert = this.current();
    return cert ? tlsMaterialOf(cert) : undefined;
  }

  /** Replaces the bootstrap token for later requests (e.g. after the token file was renewed). */
  updateToken(token: string): void {
    this.tokens = new StaticTokenSource(token, this.tokens.kind);
  }

  /** For an admin endpoint: identity, expiry, rotations and the last error (never the token or key). */
  state(): CertificateAgentState {
    const cert = this.current();
    return {
      identity: this.identity,
      credential: this.tokens.kind,
      rotations: this.rotations,
      ...(cert
        ? {
            serial: cert.serial,
            notBefore: cert.notBefore.toISOString(),
            notAfter: cert.notAfter.toISOString(),
            secondsToExpiry: Math.max(0, Math.floor((cert.notAfter.getTime() - Date.now()) / 1000)),
            chain: this.chainSummary,
          }
        : {}),
      rootFingerprints: this.rootFingerprints,
      ...(this.lastInstalledAt !== undefined ? { lastRotationAt: new Date(this.lastInstalledAt).toISOString() } : {}),
      ...(this.nextRotationAt !== undefined && !this.stopped ? { nextRotationAt: new Date(this.nextRotationAt).toISOString() } : {}),
      ...(this.lastError ? { lastError: this.lastError.message, lastErrorAt: this.lastError.at.toISOString() } : {}),
    };
  }

  /** Idempotent: stops rotating, abandons an in-flight request, closes the channel. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.wakeSleeper?.();
    this.inflight?.cancel();
    this.client.close();
  }

  private get retryInitialMs(): number {
    return this.opts.retryInitialMs ?? 1000;
  }

  private async requestCertificate(): Promise<WorkloadCertificate> {
    const { key, keyPem, csrPem } = await generateKeyAndCsr(this.identity);
    if (this.stopped) throw new Error('stopped');
    const token = await this.tokens.token();
    if (this.stopped) throw new Error('stopped');
    const call = this.client.createCertificate({ csrPem, token, timeoutMs: this.opts.callTimeoutMs ?? 10_000, ...(this.opts.ttlSeconds ? { ttlSeconds: this.opts.ttlSeconds } : {}) });
    this.inflight = call;
    let chain: string[];
    try {
      chain = await call.result;
    } finally {
      this.inflight = undefined;
    }
    const checked = checkIssuedChain(chain, key, this.opts.rootCertPem, this.identity);
    if (!checked.ok) throw new MeshError('INTERNAL', `Citadel returned an unusable certificate: ${checked.message}`);
    return { identity: this.identity, certChainPem: chain, keyPem, rootCertPem: this.opts.rootCertPem, notBefore: checked.notBefore, notAfter: checked.notAfter, serial: checked.serial };
  }

  private install(cert: WorkloadCertificate): void {
    const receivedAt = Date.now();
    this.cert = cert;
    this.chainSummary = cert.certChainPem.slice(1).map((p) => {
      const c = new crypto.X509Certificate(p);
      return { subject: c.subject.replace(/\n/g, ', '), issuer: c.issuer.replace(/\n/g, ', '), serial: c.serialNumber, notAfter: new Date(c.validTo).toISOString() };
    });
    this.rotations++;
    this.lastInstalledAt = receivedAt;
    this.backoffMs = this.retryInitialMs;
    this.counters.issued?.add(1);
    // Measured from receipt, not notBefore: Citadel backdates notBefore for clock skew.
    const fraction = (this.opts.rotateAtFraction ?? 0.5) * (1 - Math.random() * ROTATION_JITTER);
    const delay = Math.max(0, (cert.notAfter.getTime() - receivedAt) * fraction);
    this.log.info({ serial: cert.serial, notAfter: cert.notAfter.toISOString(), rotateInMs: Math.round(delay) }, 'installed workload certificate');
    for (const l of this.listeners) {
      try {
        l(cert);
      } catch (err) {
        this.log.error({ err }, 'a certificate rotation listener failed');
      }
    }
    this.scheduleRotation(delay);
  }

  private scheduleRotation(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.nextRotationAt = Date.now() + delayMs;
    const step = Math.min(delayMs, MAX_TIMEOUT_MS);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (delayMs > step) return this.scheduleRotation(delayMs - step);
      void this.rotate();
    }, step);
  }

  /** One rotation attempt; on failure the next attempt is scheduled, never a gap in `current()`. */
  private async rotate(): Promise<void> {
    try {
      this.install(await this.requestCertificate());
    } catch (err) {
      if (this.stopped) return;
      const failure = this.recordFailure(err);
      const remainingMs = (this.cert?.notAfter.getTime() ?? 0) - Date.now();
      // Back off, but keep retrying at least twice more before the current certificate expires.
      const delay = remainingMs > 0 ? Math.min(this.nextBackoff(), Math.max(this.retryInitialMs, remainingMs / 2)) : this.nextBackoff();
      const fields = { error: failure.message, retryInMs: Math.round(delay), secondsToExpiry: Math.max(0, Math.floor(remainingMs / 1000)) };
      // A refused token or CSR needs a human (error); an unreachable Citadel usually heals itself (warn).
      if (!failure.transient || remainingMs <= 0) this.log.error(fields, remainingMs <= 0 ? 'workload certificate expired and rotation keeps failing' : 'Citadel refused certificate rotation');
      else this.log.warn(fields, 'certificate rotation failed; retrying');
      this.scheduleRotation(delay);
    }
  }

  private recordFailure(err: unknown): { transient: boolean; code: ErrorCode; message: string } {
    const grpcCode = typeof (err as { code?: unknown }).code === 'number' ? (err as grpc.ServiceError).code : undefined;
    const message = grpcCode !== undefined ? `${grpc.status[grpcCode]}: ${(err as grpc.ServiceError).details}` : err instanceof Error ? err.message : String(err);
    this.lastError = { message, at: new Date() };
    this.counters.failed?.add(1, { code: grpcCode !== undefined ? grpc.status[grpcCode] : 'LOCAL' });
    return { transient: grpcCode === undefined || TRANSIENT.has(grpcCode), code: errorCodeOf(grpcCode), message };
  }

  private nextBackoff(): number {
    const base = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.opts.retryMaxMs ?? 60_000);
    // ±20 % jitter so agents that failed together do not retry together.
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        resolve();
      }
      this.wakeSleeper = done;
    });
  }
}

function errorCodeOf(grpcCode: number | undefined): ErrorCode {
  switch (grpcCode) {
    case grpc.status.UNAUTHENTICATED:
      return 'UNAUTHENTICATED';
    case grpc.status.PERMISSION_DENIED:
      return 'FORBIDDEN';
    case grpc.status.INVALID_ARGUMENT:
      return 'BAD_REQUEST';
    case grpc.status.UNAVAILABLE:
    case grpc.status.DEADLINE_EXCEEDED:
      return 'UNAVAILABLE';
    default:
      return 'INTERNAL';
  }
}
