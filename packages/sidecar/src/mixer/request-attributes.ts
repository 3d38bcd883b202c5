import { durationMs } from '@mesh/shared-api';
import type { AttributeRecord } from '@mesh/shared-api';
import type { PeerLabels, RequestInfo } from '../proxy/observer.js';
import type { MixerReporter } from './mixer-reporter.js';

/** What the reporting sidecar knows about itself, to name the reporter. */
export interface ReporterIdentity {
  /** `kubernetes://<workload>.<namespace>`, Istio's reporter uid form. */
  uid: string;
  domainSuffix: string;
}

function labels(p: PeerLabels): Record<string, string> {
  const out: Record<string, string> = {};
  if (p.app) out['app'] = p.app;
  if (p.version) out['version'] = p.version;
  return out;
}

function principal(p: PeerLabels, trustDomain: string): string | undefined {
  return p.namespace && p.serviceAccount ? `${trustDomain}/ns/${p.namespace}/sa/${p.serviceAccount}` : undefined;
}

/**
 * Istio 1.4's attribute bag for one finished HTTP request, as its proxy's Mixer filter reports it
 * (https://istio.io/v1.4/docs/reference/config/policy-and-telemetry/attribute-vocabulary/).
 */
export function requestAttributes(info: RequestInfo, reporter: ReporterIdentity, trustDomain = 'cluster.local'): AttributeRecord {
  const q = info.path.indexOf('?');
  const bag: Record<string, unknown> = {
    'context.protocol': info.protocol,
    'context.reporter.kind': info.direction,
    'context.reporter.uid': reporter.uid,
    'context.time': info.startTime,
    'request.id': info.requestId,
    'request.host': info.host,
    'request.method': info.method,
    'request.path': info.path,
    'request.url_path': q < 0 ? info.path : info.path.slice(0, q),
    'request.size': BigInt(info.requestBytes),
    'request.total_size': BigInt(info.requestBytes),
    'request.time': info.startTime,
    'request.useragent': info.userAgent,
    'response.code': BigInt(info.status),
    'response.size': BigInt(info.responseBytes),
    'response.total_size': BigInt(info.responseBytes),
    'response.duration': durationMs(info.durationMs),
    'response.time': new Date(info.startTime.getTime() + info.durationMs),
    'context.proxy_error_code': info.responseFlags.length > 0 ? info.responseFlags.join(',') : '-',
    'source.workload.name': info.source.workload,
    'source.workload.namespace': info.source.namespace,
    'source.namespace': info.source.namespace,
    'source.labels': labels(info.source),
    'source.principal': principal(info.source, trustDomain),
    'destination.workload.name': info.destination.workload,
    'destination.workload.namespace': info.destination.namespace,
    'destination.namespace': info.destination.namespace,
    'destination.labels': labels(info.destination),
    'destination.principal': principal(info.destination, trustDomain),
    'destination.service.name': info.destination.service,
    'destination.service.namespace': info.destination.namespace,
    'destination.service.host':
      info.destination.service && info.destination.namespace ? `${info.destination.service}.${info.destination.namespace}.svc.${reporter.domainSuffix}` : undefined,
  };
  if (info.protocol === 'tcp') {
    // A relayed TCP connection, reported once when it closes (Istio's connection.* attributes).
    Object.assign(bag, {
      'connection.event': 'close',
      'connection.received.bytes': BigInt(info.requestBytes),
      'connection.received.bytes_total': BigInt(info.requestBytes),
      'connection.sent.bytes': BigInt(info.responseBytes),
      'connection.sent.bytes_total': BigInt(info.responseBytes),
      'connection.duration': durationMs(info.durationMs),
    });
  }
  for (const k of Object.keys(bag)) if (bag[k] === undefined) delete bag[k];
  return bag as AttributeRecord;
}

/** Reports every finished request to Mixer (queued and batched by the reporter, off the request path). */
export class MixerObserver {
  constructor(
    private readonly reporter: Pick<MixerReporter, 'report'>,
    private readonly identity: ReporterIdentity,
    private readonly trustDomain: string,
  ) {}

  onRequestComplete(info: RequestInfo): void {
    this.reporter.report(requestAttributes(info, this.identity, this.trustDomain));
  }
}
