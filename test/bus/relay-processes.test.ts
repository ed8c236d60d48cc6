/**
 * Acceptance 4 of issue 20, end to end: 4 app processes on a scratch cluster with
 * `wal_level=logical`, each a broker over `postgresStore({ notify: false, relay })` and a real NATS
 * bus, the backstop poll a minute away. Exactly one replication slot is active between them; a
 * publish in the caller's own `db.transaction()` (no broker, no NOTIFY) reaches every app through
 * the relay and the bus; the leader SIGKILLed, another takes over within 5 s and every app
 * (the three left) gets what was committed meanwhile and after, each event once.
 */
import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type PostgresStore, postgresStore } from '../../adapters/postgres/index.js'
import { type BusServer, busServerMissing, startBusServer } from '../helpers/bus-servers.js'
import { describeScratchPostgres } from '../helpers/describe-scratch-postgres.js'
import { type Fixture, startScript, stopFixture } from '../postgres/helpers/child.js'

const SCHEMA = 'relay_bus'
const TOPICS = ['relay-a', 'relay-b']
/** The backstop: far above anything the test waits for, so only the relay and the bus deliver. */
const POLL_MS = 60_000

const missing = busServerMissing('nats')

describeScratchPostgres('the relay on a NATS bus across processes', { config: ['fsync = off'] }, (cluster) => {
  let nats: BusServer
  let store: PostgresStore
  let db: Kysely<any>
  const apps: Fixture[] = []

  beforeAll(async () => {
    if (missing !== undefined) return
    nats = await startBusServer('nats')
    store = postgresStore({ connectionString: cluster().url(), schema: SCHEMA, notify: false, relay: true })
    await store.migrate()
    db = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: cluster().url(), max: 2 }) }) })
  })
  afterAll(async () => {
    await Promise.all(apps.map(stopFixture))
    await store?.close()
    await db?.destroy()
    await nats?.stop()
  })

  /** Publishes `count` events per topic, each in its own caller transaction; returns their ids by topic. */
  const publishInTransactions = async (label: string, count: number): Promise<Map<string, string[]>> => {
    const ids = new Map<string, string[]>(TOPICS.map((topic) => [topic, []]))
    for (let i = 0; i < count; i++) {
      for (const topic of TOPICS) {
        const [record] = await db
          .transaction()
          .execute((trx) =>
            store.append([{ topic, type: 'e', data: JSON.stringify({ marker: `${label}-${i}` }) }], { transaction: trx }),
          )
        ids.get(topic)?.push(record?.id as string)
      }
    }
    return ids
  }
  const received = (app: Fixture, topic: string): string[] =>
    app.messages.filter((m) => m.kind === 'event' && m.topic === topic).map((m) => m.id as string)
  const roleOf = (app: Fixture): unknown => app.messages.findLast((m) => m.kind === 'relay')?.role
  const activeSlots = async (): Promise<number> =>
    Number((await sql<{ n: string }>`SELECT count(*)::text AS n FROM pg_replication_slots WHERE active`.execute(db)).rows[0]?.n)
  /** Every app in `among` received exactly `ids` of each topic (each once, in order). */
  const allReceive = (among: Fixture[], ids: Map<string, string[]>): Promise<unknown> =>
    Promise.all(
      among.map((app) =>
        app.until(
          () => TOPICS.every((topic) => (ids.get(topic) ?? []).every((id) => received(app, topic).includes(id))),
          'every event published in a caller transaction',
          10_000,
        ),
      ),
    )

  it.skipIf(missing !== undefined && process.env.CI !== 'true')(
    `4 apps, one active slot; { transaction } publishes reach every app; the leader SIGKILLed, another takes over within 5 s, nothing lost${missing ? ` [SKIPPED: ${missing}]` : ''}`,
    async () => {
      if (missing !== undefined) throw new Error(missing)
      for (let i = 0; i < 4; i++) {
        apps.push(
          startScript('test/bus/fixtures/bus-app.ts', {
            DATABASE_URL: cluster().url(),
            SCHEMA,
            BUS: 'nats',
            BUS_URL: nats.url,
            BUS_PREFIX: 'relay-test',
            POLL_MS: String(POLL_MS),
            TOPICS: TOPICS.join(','),
            STORE_OPTIONS: JSON.stringify({ relay: { takeoverMs: 200 } }),
          }),
        )
      }
      await Promise.all(apps.map((app) => app.message((m) => m.kind === 'ready', 'ready', 30_000)))
      await Promise.all(
        apps.map((app) => app.until(() => roleOf(app) === 'leader' || roleOf(app) === 'standby', 'a relay role', 20_000)),
      )
      const leaders = apps.filter((app) => roleOf(app) === 'leader')
      expect(leaders).toHaveLength(1)
      await expect.poll(activeSlots, { timeout: 10_000 }).toBe(1)

      const first = await publishInTransactions('first', 20)
      await allReceive(apps, first)

      const leader = leaders[0] as Fixture
      leader.process.kill('SIGKILL')
      const killedAt = Date.now()
      await leader.exited
      const others = apps.filter((app) => app !== leader)
      const during = await publishInTransactions('during', 10)
      const takeover = await Promise.any(
        others.map((app) => app.message((m) => m.kind === 'relay' && m.role === 'leader', 'a takeover', 10_000)),
      )
      expect(takeover.at as number).toBeLessThan(killedAt + 5_000)
      const after = await publishInTransactions('after', 10)
      await allReceive(others, during)
      await allReceive(others, after)
      expect(await activeSlots()).toBe(1)

      // Each event once, in per-topic order, in every app that lived through it.
      for (const app of others) {
        for (const topic of TOPICS) {
          const expected = [first, during, after].flatMap((ids) => ids.get(topic) ?? [])
          expect(received(app, topic)).toEqual(expected)
        }
      }
    },
    90_000,
  )
})
