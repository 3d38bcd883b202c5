import { DeliverPolicy } from '@nats-io/jetstream';
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { ConfigEventType } from '@mesh/shared-api';
import type { Logger } from '@mesh/runtime';
import type { StoreWatch, StoreWatchEvent, WatchStart } from './config-store.js';
import { decodeStored } from './kv-codec.js';
import { CONFIG_OP_HEADER, KV_OPERATION_HEADER } from './kv-headers.js';

/** Where a watch reads from: the bucket's stream and the subject prefix of its keys. */
export interface WatchSource {
  readonly js: JetStreamClient;
  readonly stream: string;
  /** `$KV.<bucket>.` */
  readonly subjectPrefix: string;
  readonly logger: Logger;
}

/**
 * Follows the config bucket's stream with an ordered push consumer (the mechanism of a KV watch,
 * https://github.com/nats-io/nats-architecture-and-design/blob/main/adr/ADR-8.md) filtered to one
 * key prefix, and turns messages into Kubernetes watch events.
 *
 * - `snapshot`: the last message of every key first (live ones as ADDED), then every change.
 * - `afterRevision: R`: every message after R in order. The bucket keeps a bounded history per key,
 *   so an intermediate revision of a key may be gone, but never the newest one: the watcher ends
 *   in the same state as the store (the guarantee informers rely on).
 * Types: a delete marker is DELETED (its body is the object as it was); a write tagged
 * `Mesh-Config-Op: create` is ADDED; any other write is MODIFIED, or ADDED for a key this watch
 * last saw deleted.
 */
export async function openStoreWatch(source: WatchSource, keyPrefix: string, start: WatchStart): Promise<StoreWatch> {
  const filter = `${source.subjectPrefix}${keyPrefix}>`;
  const consumer = await source.js.consumers.getPushConsumer(
    source.stream,
    'snapshot' in start
      ? { filter_subjects: filter, deliver_policy: DeliverPolicy.LastPerSubject }
      : { filter_subjects: filter, opt_start_seq: start.afterRevision + 1 },
  );
  // The first `initial` messages of a snapshot are each key's current state, not changes.
  let initial = 'snapshot' in start ? (await consumer.info(true)).num_pending : 0;
  const messages = await consumer.consume();
  const alive = new Map<string, boolean>();
  let stopped = false;

  const toEvent = (m: JsMsg): StoreWatchEvent | undefined => {
    const key = m.subject.slice(source.subjectPrefix.length);
    const kvOp = m.headers?.get(KV_OPERATION_HEADER) ?? '';
    const snapshot = initial > 0;
    if (snapshot) initial--;
    const deleted = kvOp === 'DEL' || kvOp === 'PURGE';
    const wasAlive = alive.get(key);
    alive.set(key, !deleted);
    if (deleted) {
      if (snapshot || wasAlive === false) return undefined;
      // A purge or a foreign delete marker has no body: the event still names the object.
      const object = m.data.length > 0 ? decodeStored(m.data, m.seq, key) : undefined;
      if (!object) return undefined;
      return { type: 'DELETED', key, revision: m.seq, object };
    }
    const object = decodeStored(m.data, m.seq, key);
    let type: ConfigEventType = 'MODIFIED';
    if (snapshot || wasAlive === false || m.headers?.get(CONFIG_OP_HEADER) === 'create') type = 'ADDED';
    return { type, key, revision: m.seq, object };
  };

  async function* events(): AsyncGenerator<StoreWatchEvent> {
    for await (const m of messages) {
      let event: StoreWatchEvent | undefined;
      try {
        event = toEvent(m);
      } catch (err) {
        source.logger.error({ err, subject: m.subject, revision: m.seq }, 'stored value is not a config object; skipped by the watch');
      }
      if (event) yield event;
    }
  }

  const iterator = events();
  return {
    [Symbol.asyncIterator]: () => iterator,
    stop: () => {
      if (stopped) return;
      stopped = true;
      void messages.close().catch((err: unknown) => source.logger.debug({ err }, 'closing a watch consumer failed'));
    },
  };
}
