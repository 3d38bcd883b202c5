import { JetStreamApiError } from '@nats-io/jetstream';
import type { JetStreamApiCodes } from '@nats-io/jetstream';
import { createInbox, NoRespondersError, TimeoutError } from '@nats-io/transport-node';
import type { Msg, MsgHdrs, Subscription } from '@nats-io/transport-node';
import type { NatsConnection } from '@mesh/runtime';

interface Waiting {
  readonly resolve: (seq: number) => void;
  readonly reject: (err: Error) => void;
  readonly deadline: number;
  readonly subject: string;
}

/** A JetStream publish acknowledgement, or its error (https://docs.nats.io/reference/reference-protocols/nats_api_reference). */
interface PubAckJson {
  stream?: string;
  seq?: number;
  error?: { code: number; err_code: JetStreamApiCodes; description: string };
}

/**
 * Publishes to a JetStream stream and resolves with the stored message's sequence, the way
 * `JetStreamClient.publish` does, but with one reply subscription for all publishes and one
 * sweeping timer instead of a request object, a timer and two error objects per publish (the
 * per-request machinery was a measurable part of Galley's CPU per write). Errors match nats.js's:
 * `JetStreamApiError` for an error ack (so a lost compare-and-set is recognised as before),
 * `NoRespondersError` when no stream listens on the subject, `TimeoutError` after `timeoutMs`.
 */
export class JsAckPublisher {
  private readonly prefix = `${createInbox()}.`;
  private readonly waiting = new Map<string, Waiting>();
  private readonly sub: Subscription;
  private readonly sweeper: NodeJS.Timeout;
  private next = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs: number,
  ) {
    this.sub = nc.subscribe(`${this.prefix}*`, { callback: (_err, msg) => this.answer(msg) });
    this.sweeper = setInterval(() => this.expire(Date.now()), Math.max(10, Math.min(250, timeoutMs / 4)));
    this.sweeper.unref();
  }

  /** Publishes `data` with `headers` (CAS preconditions and the like) on `subject`; resolves with the stream sequence. */
  publish(subject: string, data: string, headers: MsgHdrs): Promise<number> {
    const token = (this.next++).toString(36);
    return new Promise<number>((resolve, reject) => {
      this.waiting.set(token, { resolve, reject, deadline: Date.now() + this.timeoutMs, subject });
      try {
        this.nc.publish(subject, data, { headers, reply: `${this.prefix}${token}` });
      } catch (err) {
        this.waiting.delete(token);
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  /** Stops listening; publishes still waiting fail with a TimeoutError. Idempotent. */
  close(): void {
    clearInterval(this.sweeper);
    if (!this.sub.isClosed()) this.sub.unsubscribe();
    this.expire(Number.POSITIVE_INFINITY);
  }

  private answer(msg: Msg): void {
    const token = msg.subject.slice(this.prefix.length);
    const w = this.waiting.get(token);
    if (!w) return; // answered after its deadline
    this.waiting.delete(token);
    if (msg.headers?.code === 503) {
      w.reject(new NoRespondersError(w.subject));
      return;
    }
    let ack: PubAckJson;
    try {
      ack = msg.json<PubAckJson>();
    } catch {
      w.reject(new Error(`JetStream answered a publish on ${w.subject} with something that is not JSON`));
      return;
    }
    if (ack.error) w.reject(new JetStreamApiError(ack.error));
    else if (!ack.stream || typeof ack.seq !== 'number') w.reject(new Error(`JetStream answered a publish on ${w.subject} with an invalid acknowledgement`));
    else w.resolve(ack.seq);
  }

  /** Fails every publish whose deadline is before `now` (all have the same timeout, so they expire in insertion order). */
  private expire(now: number): void {
    for (const [token, w] of this.waiting) {
      if (w.deadline > now) break;
      this.waiting.delete(token);
      w.reject(new TimeoutError());
    }
  }
}
