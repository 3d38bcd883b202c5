import type { Meter } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';

/** A process's metrics: an OpenTelemetry meter whose readings are served in Prometheus format. */
export interface ProcessMetrics {
  readonly meter: Meter;
  readonly exporter: PrometheusExporter;
  shutdown(): Promise<void>;
}

/** Builds the meter provider and a Prometheus exporter that does not open its own port. */
export function createProcessMetrics(serviceName: string): ProcessMetrics {
  // preventServerStart: the exporter is mounted on the admin server's /metrics instead.
  const exporter = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true });
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': serviceName }), readers: [exporter] });
  return {
    meter: provider.getMeter(serviceName),
    exporter,
    shutdown: () => provider.shutdown(),
  };
}
