import { CONFIG_EVENTS_SUBJECT } from '@mesh/shared-api';
import type { ConfigEvent } from '@mesh/shared-api';
import type { Logger, NatsConnection } from '@mesh/runtime';

/** Announces stored changes to the rest of the mesh. */
export interface ConfigEventPublisher {
  publish(event: ConfigEvent): void;
}

/**
 * Publishes each change as one JSON `ConfigEvent` on `CONFIG_EVENTS_SUBJECT` (core NATS, at most
 * once). The KV write has already succeeded, so a failed publish is logged, not returned:
 * consumers that must not miss changes follow the KV bucket itself (see shared-api nats.ts).
 */
export class NatsConfigEventPublisher implements ConfigEventPublisher {
  private pending: ConfigEvent[] = [];

  constructor(
    private readonly nc: NatsConnection,
    private readonly logger: Logger,
  ) {}

  /**
   * Queues the event and sends the queue at the end of this turn of the event loop, in order:
   * under load, the events of many writes leave in one socket write instead of one each.
   */
  publish(event: ConfigEvent): void {
    if (this.pending.length === 0) setImmediate(() => this.flush());
    this.pending.push(event);
  }

  private flush(): void {
    const events = this.pending;
    this.pending = [];
    for (const event of events) {
      try {
        this.nc.publish(CONFIG_EVENTS_SUBJECT, JSON.stringify(event));
      } catch (err) {
        this.logger.warn({ err, key: event.key, revision: event.revision }, 'could not publish a config event');
      }
    }
  }
}
