import type { ConfigEventType, ConfigResource } from '@mesh/shared-api';
import type { Logger } from '@mesh/runtime';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ConfigStore, WatchStart } from '../store/config-store.js';
import { parseSelectors, selected } from './list-handler.js';
import type { Query } from './query-options.js';
import { listResourceVersion, nonNegativeInt } from './query-options.js';
import type { Target } from './resource-target.js';
import { served } from './resource-target.js';
import { httpFailureStatus } from './status.js';

/** The open watch streams of an app, so closing the app ends them instead of waiting for clients. */
export class WatchRegistry {
  private readonly open = new Set<() => void>();

  /** Tracks a stream; returns the function that untracks it. */
  add(stop: () => void): () => void {
    this.open.add(stop);
    return () => this.open.delete(stop);
  }

  /** Ends every open stream. */
  closeAll(): void {
    for (const stop of [...this.open]) stop();
  }

  /** How many streams are open. */
  get size(): number {
    return this.open.size;
  }
}

/** Watches last at most this long unless the client asks for less (Kubernetes' default is 30-60 min). */
export const MAX_WATCH_SECONDS = 1800;

/** The answer a watch request gets before streaming, when it cannot start. */
export type WatchRefusal = { code: number; body: unknown };

/**
 * Serves `?watch=true` as Kubernetes does: a chunked `application/json` stream of WatchEvents
 * (`{"type": ADDED|MODIFIED|DELETED, "object": ...}`, one JSON object per line).
 * https://kubernetes.io/docs/reference/using-api/api-concepts/#efficient-detection-of-changes
 *
 * - no `resourceVersion` (or "0"): ADDED for every current object, then the changes;
 * - `resourceVersion=R`: the changes after R, or `410 Expired` when the store no longer holds them;
 * - selectors filter events; an object that stops matching is sent as DELETED, one that starts
 *   matching as ADDED (as the API server's watch cache does);
 * - the stream ends after `timeoutSeconds`, when the client goes away, when the app closes, or when
 *   the NATS connection drops; the client then resumes from the last resourceVersion it saw.
 */
export async function serveWatch(
  deps: { store: ConfigStore; logger: Logger; registry: WatchRegistry },
  req: FastifyRequest,
  reply: FastifyReply,
  t: Target,
  query: Query,
): Promise<WatchRefusal | undefined> {
  const selectors = parseSelectors(query);
  const rv = listResourceVersion(query);
  const timeoutSeconds = Math.min(nonNegativeInt(query, 'timeoutSeconds') ?? MAX_WATCH_SECONDS, MAX_WATCH_SECONDS) || MAX_WATCH_SECONDS;
  let start: WatchStart = { snapshot: true };
  if (rv !== undefined) {
    const window = await deps.store.revisionWindow();
    // Changes after R are all held when the oldest held revision is at most R+1.
    if (window.first > rv + 1) return { code: 410, body: httpFailureStatus(410, `too old resource version: ${rv} (${window.first - 1})`) };
    start = { afterRevision: rv };
  }
  const watch = await deps.store.watch(t.kind, t.namespace, start);

  reply.hijack();
  const res = reply.raw;
  // `connection: close`: when the stream ends the socket goes too, so a closing server never waits
  // for an idle keep-alive connection left behind by a watch (clients open a new one to re-watch).
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, private', connection: 'close' });
  res.flushHeaders();
  let ended = false;
  const stop = (): void => {
    if (ended) return;
    ended = true;
    watch.stop();
  };
  const untrack = deps.registry.add(stop);
  const timer = setTimeout(stop, timeoutSeconds * 1000);
  req.raw.socket.once('close', stop);
  res.once('close', stop);

  const send = async (type: ConfigEventType, object: ConfigResource): Promise<void> => {
    if (res.writableEnded || res.destroyed) return;
    if (!res.write(`${JSON.stringify({ type, object: served(object, t) })}\n`)) {
      // Back-pressure: wait until the client reads (or goes away) before taking more events.
      await new Promise<void>((resolve) => {
        const done = (): void => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.once('drain', done);
        res.once('close', done);
      });
    }
  };

  const matched = new Map<string, boolean>();
  try {
    for await (const ev of watch) {
      if (ended) break;
      if (t.name !== undefined && ev.object.metadata.name !== t.name) continue;
      const now = selected(selectors, ev.object);
      const before = matched.get(ev.key);
      if (ev.type === 'DELETED') {
        matched.delete(ev.key);
        if (before === true || (before === undefined && now)) await send('DELETED', ev.object);
        continue;
      }
      matched.set(ev.key, now);
      if (now) await send(before === false ? 'ADDED' : before === true ? 'MODIFIED' : ev.type, ev.object);
      else if (before === true) await send('DELETED', ev.object);
    }
  } catch (err) {
    deps.logger.warn({ err, kind: t.kind.kind }, 'watch stream failed; closing it');
  } finally {
    stop();
    clearTimeout(timer);
    untrack();
    req.raw.socket.off('close', stop);
    if (!res.writableEnded) res.end();
  }
  return undefined;
}
