import * as grpc from '@grpc/grpc-js';
import { grpcError } from '@mesh/runtime';
import type { Logger } from '@mesh/runtime';
import { decodeAttributes, decodeReportRequest, decodeReportRequestWire, GLOBAL_DICTIONARY, GrpcServices, loadMixerPackageDefinition } from '@mesh/shared-api';
import type { AttributeMap, CheckRequestMessage, CheckResponseMessage, GlobalDictionary, ReportRequestMessage } from '@mesh/shared-api';
import type { MixerMetrics } from '../admin/mixer-metrics.js';
import type { CheckPolicy } from '../check/allow-check.js';
import type { ReportLedger } from '../report/report-ledger.js';

/** What the gRPC edge hands decoded requests to. */
export interface MixerServiceDeps {
  ledger: ReportLedger;
  metrics: MixerMetrics;
  check: CheckPolicy;
  logger: Logger;
  dictionary?: GlobalDictionary;
  /** Hands decoded report bags to the adapters (off the RPC's answer: Report is acknowledged first). */
  onReport?: (bags: AttributeMap[]) => Promise<void>;
}

/**
 * The `istio.mixer.v1.Mixer` service definition, as grpc-js servers take it. Report requests are
 * handed over as their bytes: the handler decodes them straight into attribute bags
 * (decodeReportRequestWire), skipping the generic message objects (Report is the hot path).
 */
export function mixerServiceDefinition(): grpc.ServiceDefinition {
  const def = loadMixerPackageDefinition()[GrpcServices.mixer] as unknown as grpc.ServiceDefinition;
  return { ...def, Report: { ...def['Report']!, requestDeserialize: (bytes: Buffer) => bytes } };
}

type Unary<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => void;

/**
 * The Mixer gRPC handlers: decode → core → encode. Invalid input (a global dictionary larger than
 * ours, an index outside the dictionaries, a name in two typed maps) is INVALID_ARGUMENT; an
 * unexpected failure is INTERNAL and logged. A handler never throws into grpc-js.
 */
export function createMixerHandlers(deps: MixerServiceDeps): { Check: Unary<CheckRequestMessage, CheckResponseMessage>; Report: Unary<ReportRequestMessage, object> } {
  const dictionary = deps.dictionary ?? GLOBAL_DICTIONARY;
  const log = deps.logger;

  const Report: Unary<ReportRequestMessage, object> = (call, callback) => {
    try {
      const request = call.request as ReportRequestMessage | Buffer;
      const decoded = Buffer.isBuffer(request) ? decodeReportRequestWire(request, dictionary) : decodeReportRequest(request, dictionary);
      if (!decoded.ok) {
        deps.ledger.recordRejected();
        deps.metrics.report('invalid_argument');
        log.warn({ peer: call.getPeer(), reason: decoded.reason, error: decoded.error }, 'Report refused');
        callback(grpcError(grpc.status.INVALID_ARGUMENT, `Report refused: ${decoded.error}`));
        return;
      }
      const keys = deps.ledger.recordReport(decoded.bags);
      deps.metrics.report('ok', keys);
      log.debug({ bags: decoded.bags.length, semantics: decoded.semantics }, 'Report received');
      callback(null, {});
      deps.onReport?.(decoded.bags).catch((err: unknown) => log.error({ err }, 'Report dispatch failed unexpectedly'));
    } catch (err) {
      deps.metrics.report('internal');
      log.error({ err }, 'Report failed unexpectedly');
      callback(grpcError(grpc.status.INTERNAL, 'Report failed inside Mixer'));
    }
  };

  const Check: Unary<CheckRequestMessage, CheckResponseMessage> = (call, callback) => {
    try {
      const request = call.request;
      const decoded = decodeAttributes(request.attributes ?? {}, request.global_word_count ?? 0, { dictionary });
      if (!decoded.ok) {
        deps.metrics.check('invalid_argument');
        log.warn({ peer: call.getPeer(), error: decoded.error }, 'Check refused');
        callback(grpcError(grpc.status.INVALID_ARGUMENT, `Check refused: ${decoded.error}`));
        return;
      }
      Promise.resolve(deps.check(decoded.bag, request)).then(
        (response) => {
          deps.metrics.check('ok');
          callback(null, response);
        },
        (err: unknown) => {
          deps.metrics.check('internal');
          log.error({ err }, 'Check failed unexpectedly');
          callback(grpcError(grpc.status.INTERNAL, 'Check failed inside Mixer'));
        },
      );
    } catch (err) {
      deps.metrics.check('internal');
      log.error({ err }, 'Check failed unexpectedly');
      callback(grpcError(grpc.status.INTERNAL, 'Check failed inside Mixer'));
    }
  };

  return { Check, Report };
}
