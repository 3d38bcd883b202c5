import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from './logger.js';

export type { NatsConnection };

/** NATS could not be reached within the start-up timeout. */
export class NatsUnavailableError extends Error {
  override readonly name = 'NatsUnavailableError';
  constructor(
    readonly url: string,
    timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super(`NATS at ${url} is unreachable after ${timeoutMs} ms`, options);
  }
}

/**
 * Connects to NATS, retrying until `timeoutMs` passes; once connected the client reconnects
 * forever (a NATS restart must not end the process). Connection state changes are logged.
 */
export async function connectNats(opts: {
  url: string;
  name: string;
  timeoutMs: number;
  logger: Logger;
  /** Skip capturing a stack trace for every request (a hot path's CPU; errors then lack the caller's frames). */
  noAsyncTraces?: boolean;
}): Promise<NatsConnection> {
  const deadline = Date.now() + opts.timeoutMs;
  // Loaded on first use: processes that never talk to NATS (the sidecar) do not carry the client.
  const { connect } = await import('@nats-io/transport-node');
  let lastError: unknown;
  for (;;) {
    try {
      const nc = await connect({
        servers: opts.url,
        name: opts.name,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        noAsyncTraces: opts.noAsyncTraces ?? false,
        timeout: Math.max(500, Math.min(2000, deadline - Date.now())),
      });
      void watchStatus(nc, opts.logger);
      opts.logger.info({ url: opts.url }, 'connected to NATS');
      return nc;
    } catch (err) {
      lastError = err;
      if (Date.now() >= deadline) throw new NatsUnavailableError(opts.url, opts.timeoutMs, { cause: lastError });
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

async function watchStatus(nc: NatsConnection, logger: Logger): Promise<void> {
  try {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' || s.type === 'reconnect') logger.warn({ nats: s.type }, `NATS ${s.type}`);
    }
  } catch (err) {
    logger.debug({ err }, 'NATS status stream ended');
  }
}
