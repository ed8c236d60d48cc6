import { CamelCasePlugin, sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { sqliteStore } from '../../adapters/sqlite/index.js'
import type { EventDraft } from '../../src/event.js'
import { parseEventId } from '../../src/event-id.js'
import { type AnyKysely, kyselyOn, type OpenedStore, sqliteForms, useTempFiles } from '../helpers/sqlite.js'

const draft = (topic: string, i: number): EventDraft => ({ topic, type: 'n', data: JSON.stringify({ i }) })
const seq = (id: string): number => parseEventId(id)?.seq ?? Number.NaN

class Rollback extends Error {}

describe.each(sqliteForms)('publishing inside a caller’s Kysely transaction, sqliteStore({ $name })', (form) => {
  const files = useTempFiles()

  /** The store, and the app's Kysely: the store's own for the `db` form, else one on another connection. */
  const setup = async (plugins: CamelCasePlugin[] = []): Promise<OpenedStore & { app: AnyKysely; start: string }> => {
    const filename = files.file()
    const opened = form.open(filename)
    files.defer(() => opened.close())
    await opened.store.migrate()
    let app = opened.db
    if (!app || plugins.length > 0) {
      const other = kyselyOn(filename, plugins)
      files.defer(() => other.db.destroy())
      app = other.db
    }
    await sql`CREATE TABLE sessions (id TEXT PRIMARY KEY, status_text TEXT NOT NULL)`.execute(app)
    const [head] = (await opened.store.heads(['p'])).values()
    return { ...opened, app, start: head as string }
  }

  it('writes nothing when the transaction rolls back', async () => {
    const { store, app, start } = await setup()
    await expect(
      app.transaction().execute(async (trx) => {
        await sql`INSERT INTO sessions (id, status_text) VALUES ('s1', 'running')`.execute(trx)
        const records = await store.append([draft('p', 1), draft('p', 2)], { transaction: trx })
        expect(records).toHaveLength(2)
        throw new Rollback()
      }),
    ).rejects.toBeInstanceOf(Rollback)
    expect((await store.readAfter([{ topic: 'p', after: start }], 10)).has('p')).toBe(false)
    expect((await store.heads(['p'])).get('p')).toBe(start)
  })

  it('makes the events readable once the transaction commits, in order with later appends', async () => {
    const { store, app, start } = await setup()
    let inside: Awaited<ReturnType<typeof store.append>> = []
    await app.transaction().execute(async (trx) => {
      await sql`INSERT INTO sessions (id, status_text) VALUES ('s1', 'running')`.execute(trx)
      inside = await store.append([draft('p', 1), draft('p', 2)], { transaction: trx })
      if (form.name !== 'db') {
        // The store reads on its own connection: the uncommitted events are invisible to it.
        expect((await store.readAfter([{ topic: 'p', after: start }], 10)).has('p')).toBe(false)
      }
    })
    const after = await store.append([draft('p', 3)])
    const read = await store.readAfter([{ topic: 'p', after: start }], 10)
    expect(read.get('p')).toEqual([...inside, ...after])
    const row = await sql<{ status_text: string }>`SELECT status_text FROM sessions`.execute(app)
    expect(row.rows).toEqual([{ status_text: 'running' }])
  })

  it('is not rewritten by a caller’s CamelCasePlugin', async () => {
    const { store, app, start } = await setup([new CamelCasePlugin()])
    await app.transaction().execute(async (trx) => {
      await trx.insertInto('sessions').values({ id: 's1', statusText: 'running' }).execute()
      await store.append([draft('p', 1)], { transaction: trx })
    })
    const read = await store.readAfter([{ topic: 'p', after: start }], 10)
    expect(read.get('p')?.map((record) => record.data)).toEqual(['{"i":1}'])
    expect(await app.selectFrom('sessions').select('statusText').execute()).toEqual([{ statusText: 'running' }])
  })

  it('waits for the caller’s open write transaction without freezing the process, then appends after it', async () => {
    const { store, app, start } = await setup()
    let releaseTransaction: () => void = () => {}
    const held = new Promise<void>((resolve) => {
      releaseTransaction = resolve
    })
    let inside: Awaited<ReturnType<typeof store.append>> = []
    let insideWritten: () => void = () => {}
    const written = new Promise<void>((resolve) => {
      insideWritten = resolve
    })
    const transaction = app.transaction().execute(async (trx) => {
      inside = await store.append([draft('p', 1)], { transaction: trx })
      insideWritten()
      await held
    })
    await written
    let outsideDone = false
    const outside = store.append([draft('p', 2)]).then((records) => {
      outsideDone = true
      return records
    })
    // Timers still fire while the append waits for the lock: the event loop is not blocked.
    for (let tick = 0; tick < 5; tick++) await new Promise((resolve) => setTimeout(resolve, 5))
    expect(outsideDone).toBe(false)
    releaseTransaction()
    await transaction
    const appended = await outside
    expect(seq(appended[0]!.id)).toBeGreaterThan(seq(inside[0]!.id))
    expect((await store.readAfter([{ topic: 'p', after: start }], 10)).get('p')).toEqual([...inside, ...appended])
  })

  it('refuses a transaction that is not a Kysely transaction', async () => {
    const { store, app } = await setup()
    await expect(store.append([draft('p', 1)], { transaction: {} })).rejects.toThrow(TypeError)
    await expect(store.append([draft('p', 1)], { transaction: app })).rejects.toThrow(/Kysely Transaction/)
  })
})

describe('the write lock held by another connection', () => {
  const files = useTempFiles()

  it('fails with SQLITE_BUSY after busyTimeoutMs', async () => {
    const filename = files.file()
    const store = sqliteStore({ filename, busyTimeoutMs: 50 })
    files.defer(() => store.close())
    await store.migrate()
    const { db } = kyselyOn(filename)
    files.defer(() => db.destroy())
    const started = performance.now()
    await db.transaction().execute(async (trx) => {
      await store.append([draft('p', 1)], { transaction: trx })
      await expect(store.append([draft('p', 2)])).rejects.toMatchObject({ code: 'SQLITE_BUSY' })
    })
    expect(performance.now() - started).toBeLessThan(2_000)
    expect(await store.append([draft('p', 3)])).toHaveLength(1)
  })
})

describe('sqliteStore({ db }) on a Kysely with CamelCasePlugin', () => {
  const files = useTempFiles()

  it('runs every operation on its own SQL and rows', async () => {
    const { db } = kyselyOn(files.file(), [new CamelCasePlugin()])
    files.defer(() => db.destroy())
    const store = sqliteStore({ db })
    files.defer(() => store.close())
    await store.migrate()
    const [head] = (await store.heads(['p'])).values()
    const inside = await db.transaction().execute((trx) => store.append([draft('p', 1)], { transaction: trx }))
    const outside = await store.append([draft('p', 2)])
    const read = await store.readAfter([{ topic: 'p', after: head as string }], 10)
    expect(read.get('p')).toEqual([...inside, ...outside])
    expect(read.get('p')?.every((record) => typeof record.createdAt === 'string')).toBe(true)
    expect(await store.deleteBefore(new Date(Date.now() + 60_000))).toBe(2)
    expect(await store.checkResume('p', outside[0]!.id)).toEqual({ ok: true })
    expect(await store.checkResume('p', inside[0]!.id)).toEqual({ ok: false, reason: 'pruned' })
  })
})
