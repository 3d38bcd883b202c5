import type { ProcessMetrics } from '@mesh/runtime';
import type { XdsResourceType } from '@mesh/shared-api';

type Meter = ProcessMetrics['meter'];

/** Istio's short names for xDS types, used as the `type` label of Pilot's metrics. */
export const METRIC_TYPE_LABEL: Readonly<Record<XdsResourceType, string>> = {
  Cluster: 'cds',
  ClusterLoadAssignment: 'eds',
  Listener: 'lds',
  RouteConfiguration: 'rds',
};

/** Pilot's metrics (Istio's names), recorded by the xDS server and the config source. */
export class PilotMetrics {
  private readonly pushes;
  private readonly rejects;
  private readonly convergence;
  private readonly configErrors;
  private readonly registryErrors;
  private connectedCount = 0;
  private queueDepth: () => number = () => 0;

  constructor(meter: Meter) {
    this.pushes = meter.createCounter('pilot_xds_pushes', { description: 'xDS responses sent to proxies, by type' });
    this.rejects = meter.createCounter('pilot_xds_rejects', { description: 'xDS responses proxies rejected (NACK), by type' });
    this.convergence = meter.createHistogram('pilot_proxy_convergence_time', {
      description: 'seconds from a config or registry change to the proxy acknowledging the resulting push',
      unit: 's',
      advice: { explicitBucketBoundaries: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] },
    });
    this.configErrors = meter.createCounter('pilot_config_watch_errors', { description: 'failures while loading or following the config bucket' });
    this.registryErrors = meter.createCounter('pilot_registry_publish_errors', { description: 'failed attempts to publish the registry to the mesh-registry bucket' });
    meter
      .createObservableGauge('pilot_xds_connected', { description: 'xDS streams currently connected' })
      .addCallback((result) => result.observe(this.connectedCount));
    meter
      .createObservableGauge('pilot_push_queue_depth', { description: 'pushes to proxies waiting in the push queue' })
      .addCallback((result) => result.observe(this.queueDepth()));
  }

  /** Where the push-queue depth gauge reads from. */
  observeQueueDepth(depth: () => number): void {
    this.queueDepth = depth;
  }

  /** One response of `type` sent. */
  pushed(type: XdsResourceType): void {
    this.pushes.add(1, { type: METRIC_TYPE_LABEL[type] });
  }

  /** One NACK of `type` received. */
  rejected(type: XdsResourceType): void {
    this.rejects.add(1, { type: METRIC_TYPE_LABEL[type] });
  }

  /** A proxy ACKed a push caused by a change `seconds` ago. */
  converged(type: XdsResourceType, seconds: number): void {
    this.convergence.record(seconds, { type: METRIC_TYPE_LABEL[type] });
  }

  /** The number of connected xDS streams changed by `delta`. */
  connected(delta: number): void {
    this.connectedCount += delta;
  }

  /** The config watch failed once (it retries). */
  configWatchError(): void {
    this.configErrors.add(1);
  }

  /** Publishing the registry to NATS failed once (it retries). */
  registryPublishError(): void {
    this.registryErrors.add(1);
  }
}
