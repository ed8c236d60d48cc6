/**
 * Issue 10, fault 3: a real PgBouncer in transaction mode. Its LISTEN lands on a server connection
 * other clients reuse, so no notification ever reaches the store's listener. The store notices
 * (its probe notifications do not arrive), reports `ListenerNotReceivingError` once within 10 s,
 * `listenerStatus()` says `'not-receiving'`, and delivery goes on through fallback polling. With
 * `listen:` a direct connection (the pool still through PgBouncer), NOTIFY wake-ups arrive: with
 * the backstop and the fallback polling a minute apart, only a wake-up explains a fast delivery.
 */
import pg from 'pg'
import { expect, it } from 'vitest'
import { type PostgresStore, type PostgresStoreOptions, postgresStore } from '../../adapters/postgres/index.js'
import { createBroker, ListenerNotReceivingError } from '../../src/index.js'
import { type PgBouncer, pgbouncerMissing, startPgBouncer } from '../helpers/pgbouncer.js'
import { describePostgres, type PostgresTestDatabase, uniqueTopic } from '../helpers/postgres.js'
import { until } from '../helpers/wait.js'
import { pgBroker } from './helpers/broker.js'
import { collect } from './helpers/collect.js'
import { percentile } from './helpers/latency.js'

/** Longer than any test here: a delivery can only come from a wake-up. */
const MINUTE = 60_000

type Report = { error: unknown; source: string }
const notReceiving = (reports: Report[]) => reports.filter((r) => r.error instanceof ListenerNotReceivingError)

/** Counts the probe notifications on `channel`, seen by a direct LISTEN connection of the test's. */
async function watchProbes(database: PostgresTestDatabase, channel: string) {
  const client = new pg.Client({ connectionString: database.url })
  client.on('error', () => {})
  let count = 0
  client.on('notification', (message) => {
    if (message.payload?.startsWith('\n')) count++
  })
  await client.connect()
  await client.query(`LISTEN "${channel}"`)
  database.defer(() => client.end())
  return {
    count: () => count,
    /** Resolves once `more` probes beyond those seen so far arrived. */
    more: (more: number) => {
      const target = count + more
      return until(() => count >= target, 10_000, `${more} more probes`)
    },
  }
}

describePostgres('postgres store behind PgBouncer in transaction mode', (database) => {
  const missing = pgbouncerMissing()
  if (missing !== undefined && process.env.CI !== 'true') {
    it.skip(`[SKIPPED: ${missing}]`, () => {})
    return
  }
  let bouncer: Promise<PgBouncer> | undefined
  const through = async () => {
    if (bouncer === undefined) {
      bouncer = startPgBouncer(database.url)
      const started = bouncer
      database.defer(async () => (await started).stop())
    }
    return (await bouncer).url
  }
  let channels = 0

  /** A subscribing broker over a store made with `options`, its errors, and a direct publisher on the same channel. */
  const subscriberSide = async (options: Partial<PostgresStoreOptions>) => {
    await pgBroker(database) // migrates the schema (directly)
    const channel = `dsse-bouncer-${process.pid}-${channels++}`
    const reports: Report[] = []
    const store: PostgresStore = postgresStore({
      schema: database.schema,
      channel,
      onError: (error, source) => void reports.push({ error, source }),
      ...options,
    } as PostgresStoreOptions)
    database.defer(() => store.close())
    const broker = createBroker(store, { heartbeatMs: 0, pollIntervalMs: MINUTE })
    database.defer(() => broker.close())
    const { broker: publisher } = await pgBroker(database, { channel })
    const probes = await watchProbes(database, channel)
    const topic = uniqueTopic('bouncer')
    const subscription = collect(broker, topic)
    await subscription.ready
    return { store, reports, publisher, probes, topic, subscription }
  }

  it('LISTEN through it: reported within 10 s, listenerStatus() says so, polling still delivers', async () => {
    const started = performance.now()
    const { store, reports, publisher, topic, subscription } = await subscriberSide({ connectionString: await through() })
    await until(() => notReceiving(reports).length > 0, 10_000, 'the misconfiguration reported')
    console.info(`[pgbouncer] reported ${(performance.now() - started).toFixed(0)} ms after subscribing`)
    expect(store.listenerStatus()).toBe('not-receiving')
    const [report] = notReceiving(reports) as [Report]
    expect(report.source).toBe('listener')
    expect((report.error as ListenerNotReceivingError).code).toBe('LISTENER_NOT_RECEIVING')
    expect(String(report.error)).toMatch(
      /LISTEN does not receive notifications: a transaction-mode pooler\? give `listen:` a direct connection/,
    )

    // The backstop is a minute away: these arrive through the listener's fallback polling.
    for (let n = 0; n < 5; n++) await publisher.publish({ topic, type: 'n', payload: { n } })
    await subscription.until((events) => events.length === 5, 'delivery by fallback polling', 5_000)
    expect(subscription.payloads()).toEqual([0, 1, 2, 3, 4].map((n) => ({ n })))
    await subscription.stop()
  })

  it('reports it once, however many probes go unheard', async () => {
    const { store, reports, probes, subscription } = await subscriberSide({
      connectionString: await through(),
      listenerHeartbeatMs: 200,
    })
    await until(() => notReceiving(reports).length > 0, 10_000, 'the misconfiguration reported')
    await probes.more(3) // each of them went through PgBouncer to the server, and never back to the store
    expect(notReceiving(reports)).toHaveLength(1)
    expect(store.listenerStatus()).toBe('not-receiving')
    await subscription.stop()
  })

  it('with `listen:` direct and the pool through it, NOTIFY wake-ups arrive, as fast as without PgBouncer', async () => {
    const measure = async (options: Partial<PostgresStoreOptions>) => {
      const side = await subscriberSide({ ...options, fallbackPollMs: MINUTE, listenerHeartbeatMs: 200 })
      await until(() => side.store.listenerStatus() === 'listening', 10_000, 'listening')
      const latencies: number[] = []
      for (let n = 0; n < 50; n++) {
        const sentAt = performance.now()
        await side.publisher.publish({ topic: side.topic, type: 'n', payload: { n } })
        await side.subscription.until((events) => events.length === n + 1, `event ${n} by a wake-up`, 5_000)
        latencies.push(performance.now() - sentAt)
      }
      await side.probes.more(3) // the probes since have all been judged: received
      expect(notReceiving(side.reports)).toEqual([])
      expect(side.store.listenerStatus()).toBe('listening')
      await side.subscription.stop()
      return latencies
    }
    const direct = await measure({ connectionString: database.url })
    const bounced = await measure({ connectionString: await through(), listen: database.url })
    console.info(
      `[pgbouncer] publish-to-delivery p50: direct ${percentile(direct, 50).toFixed(1)} ms, pool through PgBouncer with listen: direct ${percentile(bounced, 50).toFixed(1)} ms`,
    )
    // Backstop and fallback polling are a minute apart: every delivery this fast was a NOTIFY wake-up.
    expect(bounced.filter((ms) => ms > 1_000)).toEqual([])
  })
})
