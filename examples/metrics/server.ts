/**
 * Prometheus metrics through OpenTelemetry: the node:http example's routes, plus `GET /metrics`
 * served by OpenTelemetry's Prometheus exporter, where the broker's `durable_sse_*` metrics appear
 * (events published and delivered, open and lagging connections, catch-up reads, resets, store
 * errors, the wake-up path, publish duration and publish → deliver lag).
 *
 * Run: `npx tsx examples/metrics/server.ts` (env `PORT`, `EXAMPLE_DB`), then `curl localhost:3000/metrics`.
 * @module
 */
import { createServer } from 'node:http'
import { metrics } from '@opentelemetry/api'
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus'
import { MeterProvider } from '@opentelemetry/sdk-metrics'
import { nodeHttpListener } from '../node-http/server.js'
import { defaultDbFile, openApp } from '../shared/app.js'
import { closeServer, listen, type RunningExample, runIfMain, running, type StartOptions } from '../shared/serve.js'

/**
 * Starts the metrics example. The meter provider is registered before the broker is made: the
 * broker takes its meter when it is created.
 * @example
 * const example = await start({ port: 0, dbFile: '/tmp/metrics.db' })
 * await example.close()
 */
export async function start({ port, dbFile = defaultDbFile('metrics') }: StartOptions = {}): Promise<RunningExample> {
  const exporter = new PrometheusExporter({ preventServerStart: true })
  const provider = new MeterProvider({ readers: [exporter] })
  metrics.setGlobalMeterProvider(provider)
  const app = await openApp({ dbFile })
  const routes = nodeHttpListener(app)
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') exporter.getMetricsRequestHandler(req, res)
    else void routes(req, res)
  })
  const url = await listen(server, port)
  return running(app, url, async () => {
    await closeServer(server)
    await provider.shutdown()
  })
}

await runIfMain(import.meta.url, start)
