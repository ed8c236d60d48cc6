/**
 * Process B of the raw NOTIFY → LISTEN floor: one dedicated `pg.Client` that LISTENs and records
 * the latency of every notification from the scheduled time in its payload.
 * @module
 */
import pg from 'pg'
import { LatencyLog } from '../lib/latency-log.js'
import { serve, startArgs } from '../lib/worker.js'

const { postgresUrl, channel } = startArgs<{ postgresUrl: string; channel: string }>()
const client = new pg.Client({ connectionString: postgresUrl })
client.on('error', () => {})
await client.connect()
const log = new LatencyLog()
client.on('notification', (message) => log.arrived(Number(message.payload)))
await client.query(`LISTEN "${channel}"`)

serve(log.commands, () => client.end())
