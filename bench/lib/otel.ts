/**
 * An OpenTelemetry SDK for the benchmarks' `ours-otel` variant and `core-fanout.ts otel`: what an
 * app that traces and exports metrics registers, with in-memory exporters.
 * @module
 */

/** Registers an OpenTelemetry SDK (before the broker is made): every span and a metrics export every second, kept in memory. */
export async function registerOpenTelemetry(): Promise<void> {
  const { metrics } = await import('@opentelemetry/api')
  const { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } = await import('@opentelemetry/sdk-trace-node')
  const { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } = await import(
    '@opentelemetry/sdk-metrics'
  )
  const spans = new InMemorySpanExporter()
  new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }).register()
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
  metrics.setGlobalMeterProvider(
    new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 1_000 })] }),
  )
  // Spans are dropped every few seconds so memory stays flat over a long run.
  setInterval(() => spans.reset(), 5_000).unref()
}
