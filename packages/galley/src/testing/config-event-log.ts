import { CONFIG_EVENTS_SUBJECT } from '@mesh/shared-api';
import type { ConfigEvent } from '@mesh/shared-api';
import type { NatsConnection } from '@mesh/runtime';

/** Records every ConfigEvent published on NATS, for tests that assert what Galley announced. */
export class ConfigEventLog {
  readonly events: ConfigEvent[] = [];
  private readonly sub;

  private constructor(nc: NatsConnection) {
    this.sub = nc.subscribe(CONFIG_EVENTS_SUBJECT, {
      callback: (err, msg) => {
        if (!err) this.events.push(msg.json<ConfigEvent>());
      },
    });
  }

  /** Subscribes and waits until the server has registered the subscription. */
  static async start(nc: NatsConnection): Promise<ConfigEventLog> {
    const log = new ConfigEventLog(nc);
    await nc.flush();
    return log;
  }

  /** Events whose key starts with `keyPrefix`. */
  forKeys(keyPrefix: string): ConfigEvent[] {
    return this.events.filter((e) => e.key.startsWith(keyPrefix));
  }

  /** Waits until `count` events match, then returns them; rejects after `timeoutMs`. */
  async waitFor(keyPrefix: string, count: number, timeoutMs = 3000): Promise<ConfigEvent[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = this.forKeys(keyPrefix);
      if (got.length >= count) return got;
      if (Date.now() > deadline) throw new Error(`expected ${count} config events for ${keyPrefix}, saw ${got.length}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Stops recording. */
  stop(): void {
    this.sub.unsubscribe();
  }
}
