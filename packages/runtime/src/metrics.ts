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
  const meter = provider.getMeter(serviceName);
  registerProcessGauges(meter);
  return {
    meter,
    exporter,
    shutdown: () => provider.shutdown(),
  };
}

/**
 * The process's own resource use, under the names Prometheus client libraries use
 * (`process_cpu_seconds_total`, `process_resident_memory_bytes`, `nodejs_heap_size_*_bytes`,
 * `nodejs_external_memory_bytes`): read at scrape time, so they cost nothing between scrapes.
 */
function registerProcessGauges(meter: Meter): void {
  meter.createObservableCounter('process_cpu_seconds', { description: 'Total user and system CPU time spent in seconds.', unit: 's' }).addCallback((r) => {
    const u = process.cpuUsage();
    r.observe((u.user + u.system) / 1e6);
  });
  const memory = [
    meter.createObservableGauge('process_resident_memory_bytes', { description: 'Resident memory size in bytes.' }),
    meter.createObservableGauge('nodejs_heap_size_used_bytes', { description: 'V8 heap in use, in bytes.' }),
    meter.createObservableGauge('nodejs_heap_size_total_bytes', { description: 'V8 heap reserved, in bytes.' }),
    meter.createObservableGauge('nodejs_external_memory_bytes', { description: 'Memory of C++ objects bound to JavaScript (Buffers included), in bytes.' }),
  ] as const;
  meter.addBatchObservableCallback(
    (r) => {
      const m = process.memoryUsage();
      r.observe(memory[0], m.rss);
      r.observe(memory[1], m.heapUsed);
      r.observe(memory[2], m.heapTotal);
      r.observe(memory[3], m.external);
    },
    [...memory],
  );
}
