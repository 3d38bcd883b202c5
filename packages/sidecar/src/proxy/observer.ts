/**
 * What the proxy tells other components about every finished request. A Mixer report client (and
 * anything else that wants per-request telemetry) implements {@link RequestObserver}; main
 * registers it with the sidecar. Observers are called synchronously after the response is done,
 * must not throw and must not block: queue and batch off the request path.
 */

/** Which side of the workload a request crossed. */
export type TrafficDirection = 'inbound' | 'outbound';

/** A workload as telemetry labels it (Istio's source_* / destination_* dimensions). */
export interface PeerLabels {
  /** Service name (`shipping`), not the FQDN. */
  readonly service?: string;
  readonly namespace?: string;
  /** Workload (pod) name. */
  readonly workload?: string;
  readonly app?: string;
  readonly version?: string;
  readonly serviceAccount?: string;
}

/** One finished request, as both the access log and observers see it. */
export interface RequestInfo {
  readonly direction: TrafficDirection;
  readonly source: PeerLabels;
  readonly destination: PeerLabels;
  /** The authority the request was addressed to (Host header or absolute-form URL). */
  readonly host: string;
  readonly method: string;
  /** Origin-form path with query. */
  readonly path: string;
  readonly protocol: 'http' | 'tcp';
  /** Status sent downstream; 0 when the connection was reset before a status was sent. */
  readonly status: number;
  /** Envoy response flags (`NR`, `UH`, `UF`, `UT`, `UC`, `UR`, `DC`, `NC`); empty when none. */
  readonly responseFlags: readonly string[];
  readonly startTime: Date;
  readonly durationMs: number;
  /** Request body bytes received from downstream. */
  readonly requestBytes: number;
  /** Response body bytes sent downstream. */
  readonly responseBytes: number;
  /** The upstream cluster, when routing got that far. */
  readonly cluster?: string;
  /** `address:port` of the endpoint used. */
  readonly upstreamHost?: string;
  readonly requestId: string;
  readonly userAgent?: string;
  /** `HTTP/1.1` or `HTTP/2` (absent for TCP). */
  readonly httpProtocol?: string;
  /** `address:port` of the downstream peer. */
  readonly downstreamRemoteAddress?: string;
  /** The trace this request belongs to (W3C / B3 trace id). */
  readonly traceId?: string;
  /** Inbound over mTLS: the client's principal (`cluster.local/ns/<ns>/sa/<sa>`, Istio's `source.principal`). */
  readonly sourcePrincipal?: string;
}

/** Receives every finished request (Mixer Report, custom telemetry). */
export interface RequestObserver {
  onRequestComplete(info: RequestInfo): void;
}
