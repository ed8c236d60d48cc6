/**
 * Publishing inside the caller's transaction: a Kysely with CamelCasePlugin, rollback, and
 * publishers that die mid-transaction (backend terminated, process SIGKILLed).
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { CamelCasePlugin, Kysely, PostgresDialect, sql } from 'kysely'
import { expect, it } from 'vitest'
import { type PostgresStore, postgresStore } from '../../adapters/postgres/index.js'
import type { EventDraft } from '../../src/event.js'
import { parseEventId } from '../../src/event-id.js'
import { backendOf, describePostgres, seqOf, uniqueTopic } from '../helpers/postgres.js'
import { until } from '../helpers/wait.js'

const draft = (topic: string, name: string): EventDraft => ({ topic, type: 'step', data: JSON.stringify({ name }) })

interface AppDatabase {
  appSessions: { id: string; sessionStatus: string }
}

describePostgres('postgres transactions', (database) => {
  const camelKysely = () =>
    new Kysely<AppDatabase>({
      dialect: new PostgresDialect({ pool: database.newPool() }),
      plugins: [new CamelCasePlugin()],
    }).withSchema(database.schema)
  const readAll = async (store: PostgresStore, topic: string, epoch: string) =>
    (await store.readAfter([{ topic, after: `${epoch}.0` }], 100)).get(topic) ?? []
  /** Resolves once some backend waits for a lock while running one of this file's statements. */
  const publisherQueued = (): Promise<void> =>
    until(
      async () =>
        (
          await database.query(
            `SELECT 1 FROM pg_locks l JOIN pg_stat_activity a USING (pid)
             WHERE NOT l.granted AND a.query LIKE '%' || $1 || '%durable_sse_streams%'`,
            [database.schema],
          )
        ).length > 0,
      10_000,
      'a publisher to queue for the topic',
    )

  it("publishes inside a CamelCasePlugin Kysely's transaction, atomically with the app's own write", async () => {
    const db = camelKysely()
    await database.query(`CREATE TABLE "${database.schema}".app_sessions (id text PRIMARY KEY, session_status text NOT NULL)`)
    const store = await database.store({ notify: false })
    const topic = uniqueTopic()

    const published = await db.transaction().execute(async (trx) => {
      await trx.insertInto('appSessions').values({ id: 's1', sessionStatus: 'running' }).execute()
      return store.append([draft(topic, 'running')], { transaction: trx })
    })
    const epoch = parseEventId(published[0]?.id ?? '')?.epoch as string
    expect(await db.selectFrom('appSessions').selectAll().execute()).toEqual([{ id: 's1', sessionStatus: 'running' }])
    expect(await readAll(store, topic, epoch)).toEqual(published) // ids and createdAt exactly as returned

    const failure = await db
      .transaction()
      .execute(async (trx) => {
        await trx.insertInto('appSessions').values({ id: 's2', sessionStatus: 'failed' }).execute()
        await store.append([draft(topic, 'rolled back')], { transaction: trx })
        throw new Error('the app changed its mind')
      })
      .catch((error: Error) => error.message)
    expect(failure).toBe('the app changed its mind')
    expect(await db.selectFrom('appSessions').select('id').execute()).toEqual([{ id: 's1' }])
    expect((await readAll(store, topic, epoch)).map((r) => JSON.parse(r.data).name)).toEqual(['running'])
    expect(await store.heads([topic])).toEqual(new Map([[topic, `${epoch}.1`]]))
  })

  it('runs every operation through a CamelCasePlugin Kysely given as { db, pool }', async () => {
    const pool = database.newPool()
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }), plugins: [new CamelCasePlugin()] })
    const store = postgresStore({ db, pool, schema: database.schema, tablePrefix: 'camel_', notify: false })
    database.defer(() => store.close())
    await store.migrate()
    const topic = uniqueTopic()
    const [written] = await store.append([draft(topic, 'one')])
    const epoch = parseEventId(written?.id ?? '')?.epoch as string
    const [read] = (await store.readAfter([{ topic, after: `${epoch}.0` }], 10)).get(topic) ?? []
    expect(read).toEqual(written) // created_at would come back as createdAt through the plugin
    expect(read?.createdAt).toMatch(/Z$/)
    expect(await store.checkResume(topic, written?.id ?? '')).toEqual({ ok: true })
    await database.query(`UPDATE "${database.schema}".camel_events SET created_at = now() - interval '1 day'`)
    expect(await store.deleteBefore(new Date())).toBe(1)
    expect(await store.checkResume(topic, `${epoch}.0`)).toEqual({ ok: false, reason: 'pruned' })
    await store.close()
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]) // the caller's pool stays open
  })

  it('refuses a transaction that is not a Kysely Transaction', async () => {
    const store = await database.store({ notify: false })
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: database.newPool() }) })
    await expect(store.append([draft(uniqueTopic(), 'x')], { transaction: {} })).rejects.toThrow(TypeError)
    await expect(store.append([draft(uniqueTopic(), 'x')], { transaction: db })).rejects.toThrow(/Transaction/)
    expect(() => postgresStore({ db: db as never, notify: false })).not.toThrow()
    expect(() => postgresStore({ db })).toThrow(/pool/)
  })

  it('under REPEATABLE READ, a topic published to since the snapshot fails with 40001; a retry succeeds', async () => {
    const store = await database.store({ notify: false })
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: database.newPool() }) })
    const topic = uniqueTopic()
    await store.append([draft(topic, 'first')])
    const publishLate = async () => {
      const trx = await db.startTransaction().setIsolationLevel('repeatable read').execute()
      try {
        await sql`SELECT 1`.execute(trx) // takes the snapshot
        return await store.append([draft(topic, 'late')], { transaction: trx })
      } finally {
        await trx.rollback().execute()
      }
    }
    const trx = await db.startTransaction().setIsolationLevel('repeatable read').execute()
    await sql`SELECT 1`.execute(trx)
    await store.append([draft(topic, 'concurrent')])
    await expect(store.append([draft(topic, 'late')], { transaction: trx })).rejects.toMatchObject({ code: '40001' })
    await trx.rollback().execute()
    expect(seqOf((await publishLate())[0]?.id ?? '')).toBe(3) // the retry sees the new head
    await db.destroy()
  })

  it('a publisher whose backend is terminated mid-transaction releases the topic and leaves nothing behind', async () => {
    const store = await database.store({ notify: false })
    const victimDb = new Kysely<any>({ dialect: new PostgresDialect({ pool: database.newPool() }) })
    const topic = uniqueTopic()
    const victim = await victimDb.startTransaction().execute()
    const victimBackend = await backendOf(victim)
    await store.append([draft(topic, 'phantom')], { transaction: victim })

    const other = postgresStore({ connectionString: database.url, schema: database.schema, notify: false })
    database.defer(() => other.close())
    const waiting = other.append([draft(topic, 'survivor')])
    await publisherQueued()

    const [terminated] = await database.query<{ ok: boolean }>('SELECT pg_terminate_backend($1) AS ok', [victimBackend])
    expect(terminated?.ok).toBe(true)
    const [survivor] = await waiting
    expect(seqOf(survivor?.id ?? '')).toBe(1) // the phantom's position was rolled back
    await expect(victim.commit().execute()).rejects.toThrow()
    await victim
      .rollback()
      .execute()
      .catch(() => {}) // releases the dead connection (Kysely's pattern)
    const epoch = parseEventId(survivor?.id ?? '')?.epoch as string
    expect((await readAll(store, topic, epoch)).map((r) => JSON.parse(r.data).name)).toEqual(['survivor'])
    await victimDb.destroy()
  })

  it('a publisher process SIGKILLed mid-transaction releases the topic; others proceed, nothing phantom', async () => {
    const store = await database.store({ notify: false })
    const topic = uniqueTopic('killed')
    const adapter = fileURLToPath(new URL('../../adapters/postgres/index.ts', import.meta.url))
    const script = `
      import { Kysely, PostgresDialect } from 'kysely'
      import pg from 'pg'
      import { postgresStore } from ${JSON.stringify(adapter)}
      const pool = new pg.Pool({ connectionString: process.env.TEST_URL })
      const db = new Kysely({ dialect: new PostgresDialect({ pool }) })
      const store = postgresStore({ db, pool, schema: process.env.TEST_SCHEMA, notify: false })
      const trx = await db.startTransaction().execute()
      await store.append([{ topic: process.env.TEST_TOPIC, type: 'step', data: '{"name":"phantom"}' }], { transaction: trx })
      console.log('holding')
      setInterval(() => {}, 60_000)
    `
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: { ...process.env, TEST_URL: database.url, TEST_SCHEMA: database.schema, TEST_TOPIC: topic },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    database.defer(() => child.kill('SIGKILL'))
    const exited = once(child, 'exit')
    const lines = createInterface({ input: child.stdout })
    const [line] = (await once(lines, 'line')) as [string]
    expect(line).toBe('holding') // the child holds the topic's head row, uncommitted

    const waiting = store.append([draft(topic, 'survivor')])
    await publisherQueued()
    child.kill('SIGKILL')
    await exited
    const [survivor] = await waiting
    expect(seqOf(survivor?.id ?? '')).toBe(1)
    const epoch = parseEventId(survivor?.id ?? '')?.epoch as string
    expect((await readAll(store, topic, epoch)).map((r) => JSON.parse(r.data).name)).toEqual(['survivor'])
  })
})
