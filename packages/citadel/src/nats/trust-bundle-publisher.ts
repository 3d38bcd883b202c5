import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '@mesh/runtime';
import { TRUST_BUNDLE_SUBJECT } from '@mesh/shared-api';

/** Options: where NATS is, how long one connection attempt may take, and the bundle to serve. */
export interface TrustBundlePublisherOptions {
  url: string;
  connectTimeoutMs: number;
  bundle: () => string;
  logger: Logger;
}

const MAX_RETRY_MS = 30_000;

/**
 * Publishes the trust bundle (root certificates, PEM) on `mesh.citadel.trustbundle` and answers
 * requests on the same subject.
 *
 * NATS is optional for Citadel: signing needs no NATS, and root-cert.pem is in the state directory
 * for anyone who cannot use NATS. So an unreachable NATS never stops Citadel starting or serving;
 * it logs one warning and keeps trying in the background (backoff up to 30 s). The bundle is
 * published on every (re)connect, so subscribers that missed it catch up; replicas answer requests
 * as one queue group, so a requester gets one reply.
 */
export class TrustBundlePublisher {
  private nc: NatsConnection | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly opts: TrustBundlePublisherOptions) {}

  /** True while connected to NATS. */
  get connected(): boolean {
    return this.nc !== undefined && !this.nc.isClosed();
  }

  /** Starts connecting in the background; returns at once. */
  start(): void {
    this.loop ??= this.run().catch((err: unknown) => this.opts.logger.error({ err }, 'trust bundle publisher stopped unexpectedly'));
  }

  /** Publishes the current bundle now (after a root change, or on demand). */
  publish(): void {
    if (!this.connected) return;
    this.nc!.publish(TRUST_BUNDLE_SUBJECT, this.opts.bundle());
  }

  /** Idempotent: closes the connection and ends the background loop. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    const nc = this.nc;
    this.nc = undefined;
    if (nc && !nc.isClosed()) await nc.drain().catch(() => nc.close());
    await this.loop;
  }

  private async run(): Promise<void> {
    const log = this.opts.logger;
    let delay = 1000;
    let warned = false;
    while (!this.stopped) {
      let nc: NatsConnection;
      try {
        nc = await connect({ servers: this.opts.url, name: 'mesh-citadel', timeout: this.opts.connectTimeoutMs, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        if (!warned) log.warn({ error, url: this.opts.url }, 'NATS is unreachable: Citadel keeps serving without publishing the trust bundle, and retries in the background');
        else log.debug({ error, url: this.opts.url }, 'NATS still unreachable');
        warned = true;
        await this.sleep(delay);
        delay = Math.min(delay * 2, MAX_RETRY_MS);
        continue;
      }
      if (this.stopped) {
        await nc.close();
        return;
      }
      this.nc = nc;
      delay = 1000;
      nc.subscribe(TRUST_BUNDLE_SUBJECT, {
        queue: 'mesh-citadel',
        callback: (err, msg) => {
          if (!err && msg.reply) msg.respond(this.opts.bundle());
        },
      });
      this.publish();
      log.info({ url: this.opts.url, subject: TRUST_BUNDLE_SUBJECT }, 'connected to NATS; published the trust bundle');
      for await (const s of nc.status()) {
        if (s.type === 'reconnect') {
          log.info('reconnected to NATS; republishing the trust bundle');
          this.publish();
        } else if (s.type === 'disconnect') log.warn('disconnected from NATS; reconnecting');
      }
      await nc.closed();
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
