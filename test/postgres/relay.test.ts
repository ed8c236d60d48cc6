/**
 * The logical relay on a scratch cluster with `wal_level=logical`: `migrate()` creates one slot
 * and the publication; four processes with the relay hold exactly one active slot between them;
 * every commit reaches the leader whoever made it (a caller's own transaction, another store, a
 * SQL script); a SIGKILLed leader is replaced within 5 s and nothing committed meanwhile is lost;
 * `dropRelay()` leaves nothing behind. On a server without `wal_level=logical` the store reports a
 * `RelayUnavailableError` and keeps working.
 */
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type PostgresStore, postgresStore } from '../../adapters/postgres/index.js'
import { postgresSql } from '../../adapters/postgres/postgres-sql.js'
import { resolveConfig } from '../../adapters/postgres/postgres-store-config.js'
import { RelayUnavailableError } from '../../src/errors.js'
import { createBroker } from '../../src/index.js'
import { describeScratchPostgres } from '../helpers/describe-scratch-postgres.js'
import { seqOf } from '../helpers/postgres.js'
import { startTcpProxy } from '../helpers/tcp-proxy.js'
import { until } from '../helpers/wait.js'
import { type Fixture, startFixture, stopFixture } from './helpers/child.js'

const SCHEMA = 'relay_app'

/** Every `topic/id` a fixture's relay handed on. */
const committedIds = (fixture: Fixture): string[] =>
  fixture.messages.filter((message) => message.kind === 'committed').flatMap((message) => message.ids as string[])

/** The role a fixture reported last. */
const roleOf = (fixture: Fixture): string | undefined =>
  fixture.messages.findLast((message) => message.kind === 'role')?.role as string | undefined

describeScratchPostgres('the logical relay', { config: ['fsync = off'] }, (cluster) => {
  let store: PostgresStore
  let admin: pg.Pool
  let db: Kysely<any>
  const fixtures: Fixture[] = []

  beforeAll(async () => {
    admin = new pg.Pool({ connectionString: cluster().url(), max: 3 })
    db = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: cluster().url(), max: 2 }) }) })
    store = postgresStore({ connectionString: cluster().url(), schema: SCHEMA, notify: false, relay: true })
    await store.migrate()
  })
  afterAll(async () => {
    await Promise.all(fixtures.map(stopFixture))
    await store?.close()
    await db?.destroy()
    await admin?.end()
  })

  const query = async <Row>(text: string, values: unknown[] = []): Promise<Row[]> =>
    (await admin.query(text, values)).rows as Row[]
  const slotCount = async (): Promise<{ slots: number; active: number }> => {
    const [row] = await query<{ slots: string; active: string }>(
      `SELECT count(*)::text AS slots, count(*) FILTER (WHERE active)::text AS active FROM pg_replication_slots`,
    )
    return { slots: Number(row?.slots), active: Number(row?.active) }
  }

  /** Publishes one event each way an app can commit one; returns their `topic/id`s. */
  const publishEveryWay = async (label: string): Promise<string[]> => {
    const ids: string[] = []
    // The caller's own transaction (no NOTIFY: the store has notify: false).
    const [inTransaction] = await db
      .transaction()
      .execute((trx) => store.append([{ topic: `${label}-trx`, type: 'e', data: '1' }], { transaction: trx }))
    ids.push(`${inTransaction?.topic}/${inTransaction?.id}`)
    // Another program's store.
    for (const record of await store.append([
      { topic: `${label}-a`, type: 'e', data: '2' },
      { topic: `${label}-b`, type: 'e', data: '3' },
      { topic: `${label}-a`, type: 'e', data: '4' },
    ]))
      ids.push(`${record.topic}/${record.id}`)
    // A SQL script: the append statement run by hand in a transaction.
    const statement = postgresSql(resolveConfig({ schema: SCHEMA, notify: false })).append
    const client = await admin.connect()
    try {
      await client.query('BEGIN')
      const { rows } = await client.query<{ topic: string; head: string }>(statement, [[`${label}-sql`], ['e'], ['5'], [null]])
      await client.query('COMMIT')
      const [epoch] = await query<{ epoch: string }>(`SELECT epoch FROM ${SCHEMA}.durable_sse_meta`)
      ids.push(`${label}-sql/${epoch?.epoch}.${rows[0]?.head}`)
    } finally {
      client.release()
    }
    return ids
  }

  it('migrate() creates one replication slot and a publication of the events table', async () => {
    const status = await store.relayStatus()
    expect(status.role).toBe('off') // no listener in this process: it does not compete
    expect(await slotCount()).toEqual({ slots: 1, active: 0 })
    expect(status.server).toMatchObject({ active: false, walStatus: 'reserved' })
    const published = await query<{ tablename: string }>('SELECT tablename FROM pg_publication_tables WHERE pubname = $1', [
      status.publication,
    ])
    expect(published.map((row) => row.tablename)).toEqual(['durable_sse_events'])
  })

  it("in the process that holds the relay, a broker delivers a { transaction } publish of another program's without NOTIFY or a poll", async () => {
    const relayed = postgresStore({
      connectionString: cluster().url(),
      schema: SCHEMA,
      notify: false,
      relay: { takeoverMs: 200 },
    })
    // The backstop poll is an hour away: only the relay can deliver.
    const broker = createBroker(relayed, { pollIntervalMs: 3_600_000 })
    try {
      await expect.poll(() => broker.stats().relay, { timeout: 10_000 }).toBe('leader')
      expect(broker.health().checks.relay).toEqual({ ok: true, role: 'leader' })
      const subscription = broker.subscribe('in-process')
      const next = subscription[Symbol.asyncIterator]().next()
      await until(() => broker.stats().topics === 1, 5_000, 'the subscription to tail its topic')
      const [record] = await db
        .transaction()
        .execute((trx) => store.append([{ topic: 'in-process', type: 'e', data: '{"n":1}' }], { transaction: trx }))
      const { value } = await next
      expect(value).toMatchObject({ id: record?.id, topic: 'in-process', type: 'e', payload: { n: 1 } })
      expect(value.createdAt).toBe(record?.createdAt)
    } finally {
      await broker.close()
      await relayed.close()
    }
  })

  it('4 processes hold one active slot; every commit reaches the leader; a SIGKILLed leader is replaced within 5 s and nothing is lost', async () => {
    for (let i = 0; i < 4; i++) fixtures.push(startFixture('relay-holder', { DATABASE_URL: cluster().url(), SCHEMA }))
    for (const fixture of fixtures)
      await fixture.until(() => roleOf(fixture) === 'leader' || roleOf(fixture) === 'standby', 'a role', 20_000)
    const leaders = fixtures.filter((fixture) => roleOf(fixture) === 'leader')
    expect(leaders).toHaveLength(1)
    const leader = leaders[0] as Fixture
    await expect.poll(slotCount, { timeout: 10_000 }).toEqual({ slots: 1, active: 1 })

    const before = await publishEveryWay('before')
    await leader.until(() => before.every((id) => committedIds(leader).includes(id)), 'the leader to hand on every commit', 5_000)
    for (const standby of fixtures.filter((fixture) => fixture !== leader)) expect(committedIds(standby)).toEqual([])

    leader.process.kill('SIGKILL')
    const killedAt = Date.now()
    await leader.exited
    const during = await publishEveryWay('during') // committed while no process leads
    const others = fixtures.filter((fixture) => fixture !== leader)
    const successor = await Promise.any(
      others.map((fixture) =>
        fixture.message((message) => message.kind === 'role' && message.role === 'leader', 'a takeover', 10_000),
      ),
    )
    expect(successor.at as number).toBeLessThan(killedAt + 5_000)
    const next = others.find((fixture) => fixture.process.pid === successor.pid) as Fixture
    await next.until(
      () => during.every((id) => committedIds(next).includes(id)),
      'the successor to hand on the missed commits',
      5_000,
    )

    const after = await publishEveryWay('after')
    await next.until(() => after.every((id) => committedIds(next).includes(id)), 'the successor to hand on new commits', 5_000)
    expect(others.filter((fixture) => roleOf(fixture) === 'leader')).toEqual([next])
    await expect.poll(slotCount, { timeout: 10_000 }).toEqual({ slots: 1, active: 1 })
    const { server } = await store.relayStatus()
    expect(server?.unconfirmedBytes).toBeGreaterThanOrEqual(0)
    expect(server?.retainedWalBytes).toBeGreaterThan(0)
  }, 60_000)

  it('a leader cut off by a silent network loses the relay: another takes over and hands on what it missed', async () => {
    await Promise.all(fixtures.map(stopFixture))
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: cluster().port })
    try {
      const cutOff = startFixture('relay-holder', { DATABASE_URL: proxy.url(cluster().url()), SCHEMA })
      fixtures.push(cutOff)
      await cutOff.until(() => roleOf(cutOff) === 'leader', 'the proxied process to lead', 20_000)
      const other = startFixture('relay-holder', { DATABASE_URL: cluster().url(), SCHEMA })
      fixtures.push(other)
      await other.until(() => roleOf(other) === 'standby', 'a standby', 20_000)

      proxy.blackhole()
      const silencedAt = Date.now()
      const missed = await publishEveryWay('partitioned')
      const takeover = await other.message(
        (message) => message.kind === 'role' && message.role === 'leader',
        'a takeover',
        40_000,
      )
      // The server ends the silent leader's idle lock session after three heartbeats (15 s).
      expect(takeover.at as number).toBeLessThan(silencedAt + 25_000)
      await other.until(() => missed.every((id) => committedIds(other).includes(id)), 'the missed commits', 10_000)
      await expect.poll(slotCount, { timeout: 10_000 }).toEqual({ slots: 1, active: 1 })
    } finally {
      await proxy.close()
    }
  }, 90_000)

  it('with the relay, resuming after an id whose commit is not visible yet waits for it instead of resetting', async () => {
    // A pool that counts the store's resume checks, so the commit below lands after the first one.
    const pool = new pg.Pool({ connectionString: cluster().url(), max: 2 })
    let looked = 0
    pool.on('connect', (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown
      ;(client as unknown as { query: typeof query }).query = (...args) => {
        const result = query(...args)
        const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string }).text // named or not
        if (text?.includes('pruned_through')) void Promise.resolve(result).then(() => looked++)
        return result
      }
    })
    const relayed = postgresStore({ pool, schema: SCHEMA, notify: false, relay: true })
    const plain = postgresStore({ connectionString: cluster().url(), schema: SCHEMA, notify: false })
    try {
      const [first] = await store.append([{ topic: 'visible-late', type: 'e', data: '1' }])
      const next = `${first?.id.split('.')[0]}.${seqOf(first?.id) + 1}`
      // The next event's commit, held open: other sessions do not see it (as for a moment after the relay decoded it).
      const trx = await db.startTransaction().execute()
      await store.append([{ topic: 'visible-late', type: 'e', data: '2' }], { transaction: trx })
      expect(await plain.checkResume('visible-late', next)).toEqual({ ok: false, reason: 'ahead' })
      const checked = relayed.checkResume('visible-late', next)
      await until(() => looked >= 1, 5_000, 'the first resume check')
      await trx.commit().execute() // becomes visible while the relay's store looks again
      expect(await checked).toEqual({ ok: true })
      expect(looked).toBeGreaterThan(1)
    } finally {
      await plain.close()
      await relayed.close()
      await pool.end()
    }
  })

  it('dropRelay() drops the slot and the publication', async () => {
    await Promise.all(fixtures.map(stopFixture))
    const { publication } = await store.relayStatus()
    await store.dropRelay()
    expect(await slotCount()).toEqual({ slots: 0, active: 0 })
    expect(await query('SELECT 1 FROM pg_publication WHERE pubname = $1', [publication])).toEqual([])
    expect((await store.relayStatus()).server).toBeUndefined()
  })
})

describeScratchPostgres('the relay without wal_level=logical', { config: ['fsync = off', 'wal_level = replica'] }, (cluster) => {
  it('reports a typed RelayUnavailableError, competes for nothing, and the store keeps working', async () => {
    const errors: unknown[] = []
    const store = postgresStore({
      connectionString: cluster().url(),
      notify: false,
      relay: true,
      onError: (error) => errors.push(error),
    })
    try {
      await store.migrate()
      expect(errors).toHaveLength(1)
      expect(errors[0]).toBeInstanceOf(RelayUnavailableError)
      expect(errors[0]).toMatchObject({ code: 'RELAY_UNAVAILABLE', reason: 'wal-level' })
      const stop = store.onCommitted?.(() => {})
      await expect.poll(() => store.relayRole()).toBe('unavailable')
      stop?.()
      const [record] = await store.append([{ topic: 't', type: 'e', data: '1' }])
      expect(await store.readAfter([{ topic: 't', after: `${record?.id.split('.')[0]}.0` }], 10)).toEqual(
        new Map([['t', [record]]]),
      )
    } finally {
      await store.close()
    }
  })
})

describeScratchPostgres(
  'a relay slot invalidated by max_slot_wal_keep_size',
  { config: ['fsync = off', 'max_slot_wal_keep_size = 1MB', 'wal_keep_size = 0'] },
  (cluster) => {
    it('is replaced by the next leader, which then hands on new commits', async () => {
      const store = postgresStore({ connectionString: cluster().url(), notify: false, relay: { takeoverMs: 200 } })
      const admin = new pg.Pool({ connectionString: cluster().url(), max: 1 })
      try {
        await store.migrate()
        // Nobody streams the slot: WAL past max_slot_wal_keep_size invalidates it at a checkpoint.
        await admin.query('CREATE TABLE filler (n int, pad text)')
        await expect
          .poll(
            async () => {
              await admin.query(`INSERT INTO filler SELECT g, repeat('x', 1000) FROM generate_series(1, 20000) g`)
              await admin.query('SELECT pg_switch_wal()')
              await admin.query('CHECKPOINT')
              return (await store.relayStatus()).server?.walStatus
            },
            { timeout: 30_000, interval: 10 },
          )
          .toBe('lost')

        const handed: string[] = []
        const stop = store.onCommitted?.((records) => handed.push(...records.map((record) => record.id)))
        await expect.poll(() => store.relayRole(), { timeout: 10_000 }).toBe('leader')
        const [record] = await store.append([{ topic: 'after-loss', type: 'e', data: '1' }])
        await expect.poll(() => handed, { timeout: 5_000 }).toContain(record?.id)
        expect((await store.relayStatus()).server?.walStatus).not.toBe('lost')
        stop?.()
      } finally {
        await store.close()
        await admin.end()
      }
    }, 60_000)
  },
)

describeScratchPostgres('the relay across a server restart', { config: ['fsync = off'] }, (cluster) => {
  it('reconnects, leads again and hands on commits made after the restart', async () => {
    const errors: unknown[] = []
    const store = postgresStore({
      connectionString: cluster().url(),
      notify: false,
      relay: { takeoverMs: 200 },
      onError: (error) => errors.push(error),
    })
    const handed: string[] = []
    try {
      await store.migrate()
      const stop = store.onCommitted?.((records) => handed.push(...records.map((record) => record.id)))
      await expect.poll(() => store.relayRole(), { timeout: 10_000 }).toBe('leader')
      const [before] = await store.append([{ topic: 'restart', type: 'e', data: '1' }])
      await expect.poll(() => handed, { timeout: 5_000 }).toContain(before?.id)

      await cluster().stop('fast')
      await expect.poll(() => errors.length, { timeout: 10_000 }).toBeGreaterThan(0) // the relay noticed
      await cluster().start()
      // The pool's first statement after the restart may meet a connection the server closed.
      let after: string | undefined
      await until(
        async () => {
          after = (await store.append([{ topic: 'restart', type: 'e', data: '2' }]).catch(() => []))[0]?.id
          return after !== undefined
        },
        10_000,
        'an append after the restart',
      )
      await expect.poll(() => handed, { timeout: 20_000 }).toContain(after)
      expect(store.relayRole()).toBe('leader')
      stop?.()
    } finally {
      await store.close()
    }
  }, 60_000)
})
