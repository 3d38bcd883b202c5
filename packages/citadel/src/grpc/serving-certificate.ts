import crypto from 'node:crypto';
import type { experimental } from '@grpc/grpc-js';
import { generateRsaKey } from '@mesh/runtime';
import type { Logger } from '@mesh/runtime';
import type { CertificateAuthority } from '../ca/certificate-authority.js';

type IdentityListener = experimental.IdentityCertificateUpdateListener;
type CaListener = experimental.CaCertificateUpdateListener;

/** Lifetime of Citadel's own TLS certificate; it is re-issued at half of it, so it never lapses. */
export const SERVING_CERT_TTL_S = 30 * 86400;
/** After a failed re-issue, try again this much later. */
const RETRY_MS = 60_000;

/**
 * Citadel's gRPC server certificate, issued by its own CA (SANs: the configured host names and
 * addresses) so that clients verify Citadel with root-cert.pem alone. A grpc-js certificate
 * provider: the server swaps in each re-issued certificate without restarting or dropping streams.
 */
export class ServingCertificate implements experimental.CertificateProvider {
  private readonly listeners = new Set<IdentityListener>();
  private current: { certificate: Buffer; privateKey: Buffer } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly opts: { ca: CertificateAuthority; hosts: readonly string[]; logger: Logger; ttlSeconds?: number; minRenewIntervalMs?: number }) {}

  /** Issues the first certificate; later ones follow on a timer until {@link stop}. */
  async start(): Promise<void> {
    await this.renew();
  }

  /** Idempotent: stops re-issuing. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async renew(): Promise<void> {
    const key = await generateRsaKey(2048);
    const issued = this.opts.ca.issueServingCertificate(crypto.createPublicKey(key), this.opts.hosts, this.opts.ttlSeconds ?? SERVING_CERT_TTL_S);
    // Send the leaf and any intermediates, not the root: clients already hold it.
    const roots = new Set(this.opts.ca.rootCertPem.split(/(?<=-----END CERTIFICATE-----\n?)/).map((p) => p.trim()));
    const chain = issued.certChainPem.filter((p, i) => i === 0 || !roots.has(p.trim()));
    this.current = { certificate: Buffer.from(chain.join('')), privateKey: key.export({ type: 'pkcs8', format: 'pem' }) as Buffer };
    for (const l of this.listeners) l(this.current);
    this.opts.logger.info({ hosts: this.opts.hosts, serial: issued.serial, notAfter: issued.notAfter.toISOString() }, 'issued the gRPC server certificate');
    const now = Date.now();
    this.schedule(Math.max(this.opts.minRenewIntervalMs ?? RETRY_MS, (issued.notAfter.getTime() - now) / 2));
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    // setTimeout holds at most 2^31-1 ms (~24.8 days); a longer wait is taken in steps.
    const step = Math.min(ms, 2 ** 31 - 1);
    this.timer = setTimeout(() => {
      if (ms > step) return this.schedule(ms - step);
      this.renew().catch((err: unknown) => {
        this.opts.logger.error({ err }, 'could not re-issue the gRPC server certificate; retrying');
        this.schedule(this.opts.minRenewIntervalMs ?? RETRY_MS);
      });
    }, step);
    this.timer.unref();
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.listeners.add(listener);
    // Deliver asynchronously: grpc-js registers this listener before its own watcher, so an
    // update delivered synchronously here would be lost and the server would refuse handshakes.
    queueMicrotask(() => {
      if (this.current && this.listeners.has(listener)) listener(this.current);
    });
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.listeners.delete(listener);
  }

  // No client certificates yet (issue 6 adds mTLS): there is no CA certificate to provide.
  addCaCertificateListener(_listener: CaListener): void {}

  removeCaCertificateListener(_listener: CaListener): void {}
}
