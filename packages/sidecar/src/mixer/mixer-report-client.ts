import * as grpc from '@grpc/grpc-js';
import { GrpcServices, loadMixerPackageDefinition } from '@mesh/shared-api';
import type { ReportRequestMessage } from '@mesh/shared-api';

/** The outcome of one Report call: failures are values, never exceptions. */
export type ReportCallResult = { ok: true } | { ok: false; code: grpc.status; details: string };

/** A Report call in flight. */
export interface PendingReport {
  readonly result: Promise<ReportCallResult>;
  cancel(): void;
}

/** Reconnect backoff of the channel, so that a restarted Mixer is found again quickly. */
export interface ReconnectBackoff {
  initialMs: number;
  maxMs: number;
}

type ReportFn = (req: ReportRequestMessage, options: grpc.CallOptions, cb: (err: grpc.ServiceError | null) => void) => grpc.ClientUnaryCall;

/** The transport edge of the reporter: one grpc-js client of `istio.mixer.v1.Mixer`, Report only. */
export class MixerReportClient {
  private readonly client: grpc.Client;

  constructor(address: string, backoff: ReconnectBackoff, credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure()) {
    const Mixer = grpc.makeGenericClientConstructor(loadMixerPackageDefinition()[GrpcServices.mixer] as unknown as grpc.ServiceDefinition, 'Mixer');
    // grpc-js backs off up to 120 s between reconnects by default; telemetry should resume sooner.
    this.client = new Mixer(address, credentials, {
      'grpc.initial_reconnect_backoff_ms': backoff.initialMs,
      'grpc.max_reconnect_backoff_ms': backoff.maxMs,
    });
  }

  /** Sends one ReportRequest with a deadline. */
  report(request: ReportRequestMessage, timeoutMs: number): PendingReport {
    let call: grpc.ClientUnaryCall | undefined;
    const result = new Promise<ReportCallResult>((resolve) => {
      try {
        const report = (this.client as unknown as { Report: ReportFn }).Report.bind(this.client);
        call = report(request, { deadline: Date.now() + timeoutMs }, (err) =>
          resolve(err ? { ok: false, code: err.code ?? grpc.status.UNKNOWN, details: err.details || err.message } : { ok: true }),
        );
      } catch (err) {
        // Serialization errors surface synchronously; they are failures like any other.
        resolve({ ok: false, code: grpc.status.INTERNAL, details: err instanceof Error ? err.message : String(err) });
      }
    });
    return { result, cancel: () => call?.cancel() };
  }

  /** Closes the channel. */
  close(): void {
    this.client.close();
  }
}
