import * as grpc from '@grpc/grpc-js';
import { GrpcServices, loadAdsPackageDefinition } from '@mesh/shared-api';
import type { Logger } from '@mesh/runtime';
import type { MethodDefinition } from '@grpc/grpc-js';
import { Backoff } from './backoff.js';
import type { DiscoveryRequestMessage, DiscoveryResponseMessage, NodeMessage } from './discovery-messages.js';
import type { ResponseOutcome, XdsState } from './xds-state.js';

/** How the ADS client reaches Pilot and what it reports. */
export interface AdsClientOptions {
  /** `host:port` of Pilot's xDS port. */
  readonly address: string;
  readonly node: NodeMessage;
  readonly state: XdsState;
  readonly logger: Logger;
  /** Called after every handled response (accepted or not), synchronously, before the next. */
  readonly onResponse: (outcome: ResponseOutcome) => void;
  /** Plaintext by default; the identity agent supplies mTLS credentials later. */
  readonly credentials?: grpc.ChannelCredentials;
  readonly backoff?: Backoff;
}

type AdsMethod = MethodDefinition<DiscoveryRequestMessage, DiscoveryResponseMessage>;

/**
 * One ADS stream to Pilot (`StreamAggregatedResources`, state of the world) that reconnects with
 * exponential backoff whenever the stream ends. The node is sent only in a stream's first request
 * (https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#how-the-client-specifies-what-resources-to-return).
 * All decisions are the {@link XdsState}'s; this class only moves messages.
 */
export class AdsClient {
  private readonly client: grpc.Client;
  private readonly method: AdsMethod;
  private readonly backoff: Backoff;
  private call: grpc.ClientDuplexStream<DiscoveryRequestMessage, DiscoveryResponseMessage> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private started = false;
  private connectedOnce = false;
  /** Streams opened so far (for logs and tests). */
  streams = 0;

  constructor(private opts: AdsClientOptions) {
    const def = loadAdsPackageDefinition()[GrpcServices.ads] as Record<string, unknown>;
    this.method = def['StreamAggregatedResources'] as AdsMethod;
    this.backoff = opts.backoff ?? new Backoff();
    // Keep the channel's own reconnect backoff (default up to 120 s) within ours.
    this.client = new grpc.Client(opts.address, opts.credentials ?? grpc.credentials.createInsecure(), {
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 5000,
    });
  }

  /** Opens the first stream; failures are retried in the background. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.open();
  }

  /**
   * Replaces the node and opens a new stream at once: node metadata is read only from a stream's
   * first request, so this is how a changed workload (e.g. it obtained its certificate) re-announces.
   */
  reconnect(node: NodeMessage): void {
    this.opts = { ...this.opts, node };
    if (this.stopped || !this.started) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const call = this.call;
    this.call = undefined;
    this.backoff.reset();
    this.open();
    if (call) {
      call.removeAllListeners();
      call.on('error', () => undefined);
      call.end();
      call.cancel();
    }
  }

  /** Closes the stream and the channel. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const call = this.call;
    this.call = undefined;
    if (call) {
      call.end();
      call.cancel();
    }
    this.client.close();
  }

  private open(): void {
    if (this.stopped) return;
    this.streams++;
    const log = this.opts.logger;
    const call = this.client.makeBidiStreamRequest(this.method.path, this.method.requestSerialize, this.method.responseDeserialize);
    this.call = call;
    let closed = false;
    const onClosed = (reason: string, code?: grpc.status): void => {
      if (closed) return;
      closed = true;
      if (this.call === call) this.call = undefined;
      if (this.stopped) return;
      const delay = this.backoff.next();
      const fields = { pilot: this.opts.address, reason, code, retryInMs: delay, attempt: this.backoff.attempts };
      // The first failures are worth a warning; a Pilot that stays away should not flood the log.
      if (this.backoff.attempts <= 3 || this.backoff.attempts % 20 === 0) log.warn(fields, 'xDS stream closed; reconnecting');
      else log.debug(fields, 'xDS stream closed; reconnecting');
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.open();
      }, delay);
      this.timer.unref?.();
    };
    call.on('data', (res: DiscoveryResponseMessage) => {
      if (closed) return;
      if (!this.connectedOnce || this.backoff.attempts > 0) log.info({ pilot: this.opts.address, stream: this.streams }, 'xDS stream established');
      this.connectedOnce = true;
      this.backoff.reset();
      this.handle(call, res);
    });
    call.on('error', (err: grpc.ServiceError) => onClosed(err.details || err.message, err.code));
    call.on('status', (s: grpc.StatusObject) => onClosed(s.details || 'stream ended', s.code));
    call.on('end', () => onClosed('stream ended by server'));
    for (const req of this.opts.state.openStream(this.opts.node)) call.write(req);
  }

  private handle(call: NonNullable<AdsClient['call']>, res: DiscoveryResponseMessage): void {
    let outcome: ResponseOutcome;
    try {
      outcome = this.opts.state.handleResponse(res);
    } catch (err) {
      // Decoders return unions; reaching here is a bug. Drop the response rather than the stream.
      this.opts.logger.error({ err, typeUrl: res.type_url }, 'failed to handle an xDS response');
      return;
    }
    // Apply first, then ACK: when Pilot sees the ACK, the sidecar already routes by the new config.
    try {
      this.opts.onResponse(outcome);
    } catch (err) {
      this.opts.logger.error({ err, typeUrl: res.type_url }, 'failed to apply an xDS update');
    }
    for (const req of outcome.requests) call.write(req);
  }
}
