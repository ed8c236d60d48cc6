/**
 * The Postgres store's deadlines, against the real server through a TCP proxy that silences
 * connections (no FIN, no RST: only a deadline notices), with short deadlines: a statement that
 * gets no answer rejects with `StoreTimeoutError` and its connection is destroyed, never reused;
 * the pool's idle connections go with it; a connection that cannot be had is `StoreUnavailableError`;
 * on a caller's pool only the store's statements are bounded; `migrate()` is not.
 */
import { Kysely, PostgresDialect, sql } from 'kysely'
import { expect, it } from 'vitest'
import { postgresStore } from '../../adapters/postgres/index.js'
import { createBroker, PublishFailedError, StoreTimeoutError, StoreUnavailableError } from '../../src/index.js'
import { describePostgres, uniqueTopic } from '../helpers/postgres.js'
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js'

const DEADLINE_MS = 400

/** Reported store errors. */
function errorLog() {
  const errors: Array<{ error: unknown; source: string }> = []
  return { errors, onError: (error: unknown, source: string) => void errors.push({ error, source }) }
}

/** Silences the connections open now, for good; new ones get through. */
function silenceOpenConnections(proxy: TcpProxy): number {
  const silenced = proxy.blackhole()
  proxy.heal()
  return silenced
}

describePostgres('postgres store: deadlines', (database) => {
  const proxied = async () => {
    const proxy = await startTcpProxy()
    database.defer(() => proxy.close())
    return proxy
  }
  const ownStore = async (proxy: TcpProxy, onError: (error: unknown, source: string) => void) => {
    const store = postgresStore({
      connectionString: proxy.url(database.url),
      schema: database.schema,
      queryTimeoutMs: DEADLINE_MS,
      connectTimeoutMs: DEADLINE_MS,
      onError,
    })
    database.defer(() => store.close())
    await store.migrate()
    return store
  }

  it('a statement with no answer rejects at the deadline; its connection and the idle ones are dropped, the next calls work', async () => {
    const proxy = await proxied()
    const log = errorLog()
    const store = await ownStore(proxy, log.onError)
    const topics = [uniqueTopic(), uniqueTopic(), uniqueTopic()]
    await Promise.all(topics.map((topic) => store.heads([topic]))) // three pooled connections
    expect(silenceOpenConnections(proxy)).toBeGreaterThanOrEqual(3)

    const started = performance.now()
    const failure = await store.heads(topics).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(StoreTimeoutError)
    expect((failure as StoreTimeoutError).operation).toBe('query')
    expect(performance.now() - started).toBeGreaterThanOrEqual(DEADLINE_MS - 10)
    // No idle connection of the silenced ones is handed out again: each would miss its deadline too.
    for (const topic of topics) await expect(store.heads([topic])).resolves.toBeInstanceOf(Map)
    expect(log.errors.map(({ error, source }) => [source, (error as { code?: string }).code])).toEqual([
      ['pool', 'STORE_TIMEOUT'],
    ])
  })

  it('a publish on a silenced connection rejects with PublishFailedError (it may have committed); the next one works', async () => {
    const proxy = await proxied()
    const store = await ownStore(proxy, () => {})
    const broker = createBroker(store, { heartbeatMs: 0 })
    database.defer(() => broker.close())
    const topic = uniqueTopic()
    await broker.publish({ topic, type: 'x', payload: 1 })
    silenceOpenConnections(proxy)
    const failure = await broker.publish({ topic, type: 'x', payload: 2 }).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(PublishFailedError)
    expect((failure as PublishFailedError).mayHaveCommitted).toBe(true)
    expect((failure as PublishFailedError).cause).toBeInstanceOf(StoreTimeoutError)
    await expect(broker.publish({ topic, type: 'x', payload: 3 })).resolves.toMatchObject({ payload: 3 })
  })

  it('no connection within connectTimeoutMs is StoreUnavailableError: a publish says nothing committed', async () => {
    const proxy = await proxied()
    await ownStore(proxy, () => {}) // migrates the schema
    const fresh = postgresStore({
      connectionString: proxy.url(database.url),
      schema: database.schema,
      connectTimeoutMs: DEADLINE_MS,
      onError: () => {},
    })
    database.defer(() => fresh.close())
    const freshBroker = createBroker(fresh, { heartbeatMs: 0 })
    database.defer(() => freshBroker.close())
    proxy.blackhole() // new connections too, until heal(): the fresh store has none yet
    await expect(fresh.heads([uniqueTopic()])).rejects.toBeInstanceOf(StoreUnavailableError)
    const failure = await freshBroker.publish({ topic: uniqueTopic(), type: 'x', payload: 1 }).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(PublishFailedError)
    expect((failure as PublishFailedError).mayHaveCommitted).toBe(false)
    expect((failure as PublishFailedError).cause).toBeInstanceOf(StoreUnavailableError)
    proxy.heal()
    await expect(fresh.heads([uniqueTopic()])).resolves.toBeInstanceOf(Map)
  })

  it("a snapshot's reads on the store's own pool have the deadline too", async () => {
    const proxy = await proxied()
    const store = await ownStore(proxy, () => {})
    await store.heads([uniqueTopic()])
    silenceOpenConnections(proxy)
    const read = store.snapshot?.([uniqueTopic()], (trx) => sql`SELECT 1`.execute(trx))
    await expect(read).rejects.toBeInstanceOf(StoreTimeoutError)
  })

  it("on a caller's pool only the store's statements are bounded: the app's long statement runs to its end", async () => {
    const proxy = await proxied()
    const pool = database.newPool({ connectionString: proxy.url(database.url), max: 2 })
    const store = postgresStore({ pool, schema: database.schema, queryTimeoutMs: DEADLINE_MS, notify: false })
    database.defer(() => store.close())
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) })
    const slept = await sql<{ slept: boolean }>`SELECT true AS slept FROM pg_sleep(${(DEADLINE_MS * 2) / 1000})`.execute(db)
    expect(slept.rows).toEqual([{ slept: true }])
    await store.heads([uniqueTopic()])
    silenceOpenConnections(proxy)
    await expect(store.heads([uniqueTopic()])).rejects.toBeInstanceOf(StoreTimeoutError)
    // The destroyed connection left the caller's pool: the app's next statements run on fresh ones.
    for (let i = 0; i < 2; i++) await expect(sql`SELECT 1 AS one`.execute(db)).resolves.toMatchObject({ rows: [{ one: 1 }] })
  })

  it('migrate() has no deadline: it waits for the migration lock however long another process holds it', async () => {
    const log = errorLog()
    const store = postgresStore({
      connectionString: database.url,
      schema: database.schema,
      queryTimeoutMs: DEADLINE_MS,
      onError: log.onError,
    })
    database.defer(() => store.close())
    // Kysely's Migrator serialises migrations with this session-level advisory lock.
    const holder = await database.pool.connect()
    try {
      await holder.query('SELECT pg_advisory_lock(3853314791062309107)')
      const migrating = store.migrate()
      await new Promise((resolve) => setTimeout(resolve, DEADLINE_MS * 2)) // the lock held past the deadline
      await holder.query('SELECT pg_advisory_unlock(3853314791062309107)')
      await expect(migrating).resolves.toBeUndefined()
    } finally {
      holder.release()
    }
    expect(log.errors).toEqual([])
  })
})
