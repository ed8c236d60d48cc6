/**
 * The core's fan-out cost in one process, without sockets or load generators: `streams` Node
 * streams on fake responses (`res.write` only counts), `rounds` publishes of `perPublish` events to
 * one topic, and the process CPU time per delivery (poller, connections, framing, the transport's
 * write call). Its noise is the machine's, not the network's, so it tells apart changes to the
 * delivery path that the socket-bound fan-out rows cannot on a busy machine.
 *
 * `npx tsx bench/core-fanout.ts <path to src/index.ts> [streams=2000] [perPublish=1] [rounds=100] [topicsPerStream=1] [filter]`
 * (`filter`: every stream has a filter that passes every event; `otel`: an OpenTelemetry SDK is
 * registered first, tracing and metrics with in-memory exporters)
 * (a copy of another commit's `src/` must sit under this repository, so it compiles with the same
 * tsconfig: `git archive <rev> src | tar -x -C .tmp/base`).
 * @module
 */
import { pathToFileURL } from 'node:url'
import { registerOpenTelemetry } from './lib/otel.js'
import type { OursModule } from './lib/ours.js'

const [entry = 'src/index.ts', streamsArg = '2000', perPublishArg = '1', roundsArg = '100', topicsArg = '1', mode = 'plain'] =
  process.argv.slice(2)
const [streams, perPublish, rounds, topics] = [streamsArg, perPublishArg, roundsArg, topicsArg].map(Number) as [
  number,
  number,
  number,
  number,
]
if (mode === 'otel') await registerOpenTelemetry()
const { createBroker, memoryStore } = (await import(pathToFileURL(entry).href)) as OursModule
const broker = createBroker(memoryStore(), { heartbeatMs: 0, pollIntervalMs: 60_000, queueLimit: 1_000_000 })

let writes = 0
/** What the Node transport uses of a response; `write` counts and always has room. */
const fakeResponse = () => ({
  destroyed: false,
  writableEnded: false,
  socket: null,
  writeHead() {},
  flushHeaders() {},
  end() {},
  on() {},
  once() {},
  write() {
    writes++
    return true
  },
})
const quiet = Array.from({ length: topics - 1 }, (_, i) => `quiet-${i}`)
for (let i = 0; i < streams; i++) {
  const req = { url: '/', headers: {}, httpVersionMajor: 1 } as never
  const filter = mode === 'filter' ? { filter: () => true } : {}
  void broker.handle(req, fakeResponse() as never, { ...(topics > 1 ? { topics: ['t', ...quiet] } : { topic: 't' }), ...filter })
}
while (broker.stats().subscribers < streams) await new Promise((resolve) => setTimeout(resolve, 5))

const payload = { text: 'x'.repeat(100) }
/** Publishes `count` batches, each awaited until every stream wrote it (one write per stream per publish). */
async function publishRounds(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const target = writes + streams
    await broker.publish(Array.from({ length: perPublish }, () => ({ topic: 't', type: 'n', payload })))
    while (writes < target) await new Promise((resolve) => setImmediate(resolve))
  }
}
await publishRounds(20) // warm-up
const deliveredBefore = broker.stats().delivered
const cpuBefore = process.cpuUsage()
await publishRounds(rounds)
const cpu = process.cpuUsage(cpuBefore)
const deliveries = broker.stats().delivered - deliveredBefore
console.log(
  JSON.stringify({
    entry,
    streams,
    perPublish,
    topics,
    mode,
    deliveries,
    cpuNsPerDelivery: ((cpu.user + cpu.system) * 1_000) / deliveries,
  }),
)
await broker.close()
