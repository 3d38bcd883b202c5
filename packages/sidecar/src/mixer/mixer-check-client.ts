import * as grpc from '@grpc/grpc-js';
import { GrpcServices, loadMixerPackageDefinition } from '@mesh/shared-api';
import type { CheckRequestMessage, CheckResponseMessage } from '@mesh/shared-api';
import type { ReconnectBackoff } from './mixer-report-client.js';

/** The outcome of one Check call: failures are values, never exceptions. */
export type CheckCallResult = { ok: true; response: CheckResponseMessage } | { ok: false; code: grpc.status; details: string };

type CheckFn = (req: CheckRequestMessage, options: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: CheckResponseMessage) => void) => grpc.ClientUnaryCall;

/** The transport edge of the Check client: one grpc-js client of `istio.mixer.v1.Mixer`, Check only. */
export class MixerCheckClient {
  private readonly client: grpc.Client;

  constructor(address: string, backoff: ReconnectBackoff, credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure()) {
    const Mixer = grpc.makeGenericClientConstructor(loadMixerPackageDefinition()[GrpcServices.mixer] as unknown as grpc.ServiceDefinition, 'Mixer');
    this.client = new Mixer(address, credentials, {
      'grpc.initial_reconnect_backoff_ms': backoff.initialMs,
      'grpc.max_reconnect_backoff_ms': backoff.maxMs,
    });
  }

  /** Sends one CheckRequest with a deadline. */
  check(request: CheckRequestMessage, timeoutMs: number): Promise<CheckCallResult> {
    return new Promise<CheckCallResult>((resolve) => {
      try {
        const check = (this.client as unknown as { Check: CheckFn }).Check.bind(this.client);
        // waitForReady false: with Mixer down the call fails at once instead of queueing until the deadline.
        check(request, { deadline: Date.now() + timeoutMs }, (err, res) =>
          resolve(err || !res ? { ok: false, code: err?.code ?? grpc.status.UNKNOWN, details: err ? err.details || err.message : 'empty response' } : { ok: true, response: res }),
        );
      } catch (err) {
        resolve({ ok: false, code: grpc.status.INTERNAL, details: err instanceof Error ? err.message : String(err) });
      }
    });
  }

  close(): void {
    this.client.close();
  }
}
