/**
 * An app process of the relay scenario: a broker over a Postgres store with the variant's
 * settings (the relay and a NATS bus; NOTIFY; or neither, the backstop poll) that publishes
 * open-loop, each event in a caller's own transaction (`db.transaction()` with `{ transaction }`:
 * the publish only NOTIFY, the relay or the backstop can deliver elsewhere), or receives one topic
 * and records publish→receive latency from the scheduled time in each payload. Every process of
 * the relay variant also takes part in the relay.
 * @module
 */
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { natsWake } from '../../adapters/nats/index.js'
import { postgresStore } from '../../adapters/postgres/index.js'
import { createBroker } from '../../src/index.js'
import { LatencyLog } from '../lib/latency-log.js'
import { runOpenLoop } from '../lib/open-loop.js'
import { serve, startArgs } from '../lib/worker.js'

/** Start arguments. */
export interface RelayAppStart {
  /** The scratch cluster's URL. */
  postgresUrl: string
  /** The variant's schema. */
  schema: string
  /** `pg_notify` at commit and LISTEN. */
  notify: boolean
  /** Take part in the logical relay. */
  relay: boolean
  /** A NATS bus at this URL, or none. */
  natsUrl: string | undefined
  /** The bus's subject prefix. */
  prefix: string
  /** The broker's backstop poll, ms. */
  pollIntervalMs: number
}

/** Arguments of `publish`. */
export interface RelayPublish {
  /** Events per second. */
  rate: number
  /** Events in total. */
  count: number
  /** The topic. */
  topic: string
  /** Upper bound of the schedule, ms. */
  maxMs: number
}

const start = startArgs<RelayAppStart>()
const pool = new pg.Pool({ connectionString: start.postgresUrl, max: 8 })
pool.on('error', () => {})
const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) })
const store = postgresStore({
  pool,
  schema: start.schema,
  notify: start.notify,
  relay: start.relay ? { takeoverMs: 200 } : false,
  onError: () => {},
})
const broker = createBroker(store, {
  wake: start.natsUrl === undefined ? undefined : natsWake({ servers: start.natsUrl }, { prefix: start.prefix }),
  pollIntervalMs: start.pollIntervalMs,
  heartbeatMs: 0,
  onError: () => {},
})

const log = new LatencyLog()

serve(
  {
    role: () => ({ relay: broker.stats().relay, bus: broker.stats().bus }),
    subscribe: async ({ topic }: { topic: string }) => {
      const subscription = broker.subscribe(topic)
      void (async () => {
        for await (const event of subscription) log.arrived((event.payload as { t: number }).t)
      })().catch(() => {})
      await subscription.ready
      return {}
    },
    ...log.commands,
    publish: async ({ rate, count, topic, maxMs }: RelayPublish) => {
      const pending: Promise<unknown>[] = []
      let errors = 0
      await runOpenLoop({
        rate,
        count,
        maxMs,
        onDue: (due) => {
          for (const { t } of due) {
            pending.push(
              db
                .transaction()
                .execute((trx) => broker.publish({ topic, type: 'tick', payload: { t } }, { transaction: trx }))
                .catch(() => errors++),
            )
          }
        },
      })
      await Promise.all(pending)
      return { errors }
    },
  },
  async () => {
    await broker.close()
    await store.close()
    await db.destroy()
  },
)
