import type { Logger, NatsConnection } from '@mesh/runtime';

/** Follows a NATS connection's status so readiness (and fail-fast store calls) can report it without a round trip. */
export class NatsConnectionState {
  private connected = true;
  private readonly disconnectListeners: Array<() => void> = [];

  constructor(
    private readonly nc: NatsConnection,
    logger: Logger,
  ) {
    void this.follow(logger);
  }

  /** True while connected (false during a reconnect and after close). */
  get isConnected(): boolean {
    return this.connected && !this.nc.isClosed();
  }

  /** Calls `listener` each time the connection drops. */
  onDisconnect(listener: () => void): void {
    this.disconnectListeners.push(listener);
  }

  private async follow(logger: Logger): Promise<void> {
    try {
      for await (const s of this.nc.status()) {
        if (s.type === 'disconnect' || s.type === 'close') this.down();
        else if (s.type === 'reconnect') this.connected = true;
      }
    } catch (err) {
      logger.debug({ err }, 'NATS status stream ended');
    }
    this.down();
  }

  private down(): void {
    this.connected = false;
    for (const l of this.disconnectListeners) l();
  }
}
