/**
 * Process B of the raw NOTIFY → LISTEN floor: one dedicated `pg.Client` that LISTENs and records
 * the latency of every notification from the scheduled time in its payload.
 * @module
 */
import pg from 'pg'
import { nowUs, sleep } from '../lib/clock.js'
import { encodeHistogram, newHistogram, recordUs } from '../lib/histogram.js'
import { serve, startArgs } from '../lib/worker.js'

const { postgresUrl, channel } = startArgs<{ postgresUrl: string; channel: string }>()
const client = new pg.Client({ connectionString: postgresUrl })
client.on('error', () => {})
await client.connect()
let histogram = newHistogram()
let received = 0
client.on('notification', (message) => {
  recordUs(histogram, nowUs() - Number(message.payload))
  received++
})
await client.query(`LISTEN "${channel}"`)

serve(
  {
    reset: () => {
      histogram = newHistogram()
      received = 0
      return {}
    },
    wait: async ({ count, timeoutMs }: { count: number; timeoutMs: number }) => {
      const deadline = Date.now() + timeoutMs
      while (received < count && Date.now() < deadline) await sleep(5)
      return { received, histogram: encodeHistogram(histogram) }
    },
  },
  () => client.end(),
)
