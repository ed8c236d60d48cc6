/**
 * An OpenTelemetry SDK for the benchmarks' `ours-otel` variant and `core-fanout.ts otel`: what an
 * app that traces and exports metrics registers, with in-memory exporters.
 * @module
 */

/**
 * Registers an OpenTelemetry SDK (before the broker is made), configured as in production but
 * exporting to memory: every span through a batch span processor, metrics exported every second.
 */
export async function registerOpenTelemetry(): Promise<void> {
  const { metrics } = await import('@opentelemetry/api')
  const { BatchSpanProcessor, InMemorySpanExporter, NodeTracerProvider } = await import('@opentelemetry/sdk-trace-node')
  const { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } = await import(
    '@opentelemetry/sdk-metrics'
  )
  const spans = new InMemorySpanExporter()
  new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(spans)] }).register()
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
  metrics.setGlobalMeterProvider(
    new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 1_000 })] }),
  )
  // Spans are dropped every few seconds so memory stays flat over a long run.
  setInterval(() => spans.reset(), 5_000).unref()
}
