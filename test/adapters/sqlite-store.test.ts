import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { sqliteStore } from '../../adapters/sqlite/index.js'
import { StoreClosedError, StoreNotMigratedError, StoreTimeoutError } from '../../src/errors.js'
import type { EventDraft } from '../../src/event.js'
import { parseEventId } from '../../src/event-id.js'
import { kyselyOn, type OpenedStore, sqliteForms, useTempFiles } from '../helpers/sqlite.js'

const draft = (topic: string, i: number, type = 'n'): EventDraft => ({ topic, type, data: JSON.stringify({ i }) })
const seq = (id: string): number => parseEventId(id)?.seq ?? Number.NaN
const epochOf = (id: string): string => parseEventId(id)?.epoch ?? ''

describe.each(sqliteForms)('sqliteStore({ $name })', (form) => {
  const files = useTempFiles()

  const open = async (filename = files.file(), options = {}): Promise<OpenedStore> => {
    const opened = form.open(filename, options)
    files.defer(() => opened.close())
    await opened.store.migrate()
    return opened
  }

  describe('append', () => {
    it('returns records in the given order, with ascending ids, the exact JSON text and one ISO time', async () => {
      const { store } = await open()
      const drafts = [draft('a', 1), { topic: 'b', type: 't', data: '{"x":[1,2,"é"] }' }, draft('a', 2)]
      const records = await store.append(drafts)
      expect(records.map(({ topic, type, data }) => ({ topic, type, data }))).toEqual(drafts)
      const seqs = records.map((record) => seq(record.id))
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y))
      expect(new Set(seqs).size).toBe(3)
      expect(new Set(records.map((record) => epochOf(record.id))).size).toBe(1)
      for (const record of records) {
        expect(store.isValidId(record.id)).toBe(true)
        expect(record.createdAt).toBe(new Date(record.createdAt).toISOString())
      }
      const read = await store.readAfter([{ topic: 'b', after: `${epochOf(records[0]!.id)}.0` }], 10)
      expect(read.get('b')?.[0]?.data).toBe('{"x":[1,2,"é"] }')
      for (const bad of ['', '42', 'abc.01', 'ABC.1', 'abc.-1', 'abc.1.2', `abc.${'9'.repeat(17)}`]) {
        expect(store.isValidId(bad)).toBe(false)
      }
    })

    it('returns [] for no drafts and writes nothing', async () => {
      const { store } = await open()
      expect(await store.append([])).toEqual([])
      const [head] = (await store.heads(['a'])).values()
      expect(seq(head!)).toBe(0)
    })

    it('writes a batch of 613 events (several multi-row inserts through Kysely) in order', async () => {
      const { store } = await open()
      const drafts = Array.from({ length: 613 }, (_, i) => draft(i % 2 ? 'odd' : 'even', i))
      const records = await store.append(drafts)
      const seqs = records.map((record) => seq(record.id))
      expect(seqs).toEqual(seqs.map((_, i) => (seqs[0] as number) + i))
      const start = `${epochOf(records[0]!.id)}.0`
      const read = await store.readAfter(
        [
          { topic: 'odd', after: start },
          { topic: 'even', after: start },
        ],
        1_000,
      )
      expect(read.get('odd')?.map((record) => JSON.parse(record.data).i)).toEqual(
        drafts.flatMap((d, i) => (d.topic === 'odd' ? [i] : [])),
      )
      expect(read.get('even')).toHaveLength(307)
    })
  })

  describe('readAfter', () => {
    it('reads strictly after the cursor, oldest first, at most `limit` per topic, for many topics at once', async () => {
      const { store } = await open()
      const a = await store.append(Array.from({ length: 12 }, (_, i) => draft('a', i)))
      const b = await store.append([draft('b', 0), draft('b', 1)])
      const epoch = epochOf(a[0]!.id)
      const read = await store.readAfter(
        [
          { topic: 'a', after: a[8]!.id }, // seq 9 -> 10, 11, 12: ids compared as numbers, not text
          { topic: 'b', after: `${epoch}.0` },
          { topic: 'c', after: `${epoch}.0` },
        ],
        2,
      )
      expect(read.get('a')?.map((record) => record.id)).toEqual([a[9]!.id, a[10]!.id])
      expect(read.get('b')).toEqual(b)
      expect(read.has('c')).toBe(false)
      expect((await store.readAfter([{ topic: 'a', after: a[11]!.id }], 10)).has('a')).toBe(false)
      expect((await store.readAfter([{ topic: 'a', after: a[0]!.id }], 0)).size).toBe(0)
    })

    it('reads one topic only, whatever ids other topics took in between', async () => {
      const { store } = await open()
      const mixed = await store.append([draft('x', 1), draft('y', 1), draft('x', 2), draft('y', 2), draft('x', 3)])
      const read = await store.readAfter([{ topic: 'x', after: mixed[0]!.id }], 10)
      expect(read.get('x')).toEqual([mixed[2], mixed[4]])
    })

    it('reads 300 topics in one call', async () => {
      const { store } = await open()
      const topics = Array.from({ length: 300 }, (_, i) => `topic-${i}`)
      const records = await store.append(topics.map((topic, i) => draft(topic, i)))
      const start = `${epochOf(records[0]!.id)}.0`
      const read = await store.readAfter(
        topics.map((topic) => ({ topic, after: start })),
        5,
      )
      expect(read.size).toBe(300)
      expect(read.get('topic-299')).toEqual([records[299]])
    })
  })

  describe('heads', () => {
    it('is the start id for an empty topic and the last id otherwise', async () => {
      const { store } = await open()
      const records = await store.append([draft('a', 1), draft('b', 1), draft('a', 2)])
      const epoch = epochOf(records[0]!.id)
      const heads = await store.heads(['a', 'b', 'empty'])
      expect(Object.fromEntries(heads)).toEqual({ a: records[2]!.id, b: records[1]!.id, empty: `${epoch}.0` })
      expect((await store.heads([])).size).toBe(0)
    })
  })

  describe('checkResume', () => {
    it('accepts the head, an older id and the start id; refuses ids ahead, foreign or malformed', async () => {
      const { store } = await open()
      const records = await store.append([draft('a', 1), draft('a', 2)])
      const epoch = epochOf(records[0]!.id)
      expect(await store.checkResume('a', records[1]!.id)).toEqual({ ok: true })
      expect(await store.checkResume('a', records[0]!.id)).toEqual({ ok: true })
      expect(await store.checkResume('a', `${epoch}.0`)).toEqual({ ok: true })
      expect(await store.checkResume('empty', `${epoch}.0`)).toEqual({ ok: true })
      expect(await store.checkResume('a', `${epoch}.${seq(records[1]!.id) + 1}`)).toEqual({ ok: false, reason: 'ahead' })
      expect(await store.checkResume('empty', `${epoch}.1`)).toEqual({ ok: false, reason: 'ahead' })
      const otherEpoch = epoch === 'zzzzzzzz' ? 'yyyyyyyy' : 'zzzzzzzz'
      expect(await store.checkResume('a', `${otherEpoch}.1`)).toEqual({ ok: false, reason: 'foreign' })
      expect(await store.checkResume('a', 'not-an-id')).toEqual({ ok: false, reason: 'foreign' })
    })

    it('refuses ids behind what retention deleted, and keeps the head at the pruned mark', async () => {
      const { store } = await open()
      const old = await store.append([draft('a', 1), draft('a', 2), draft('b', 1)])
      const epoch = epochOf(old[0]!.id)
      expect(await store.deleteBefore(new Date(Date.now() + 60_000))).toBe(3)
      // Every event of `a` is gone: the head stays at the last deleted id, so a client there resumes.
      expect((await store.heads(['a'])).get('a')).toBe(old[1]!.id)
      expect(await store.checkResume('a', old[1]!.id)).toEqual({ ok: true })
      expect(await store.checkResume('a', old[0]!.id)).toEqual({ ok: false, reason: 'pruned' })
      expect(await store.checkResume('a', `${epoch}.0`)).toEqual({ ok: false, reason: 'pruned' })
      const fresh = await store.append([draft('a', 3)])
      expect(seq(fresh[0]!.id)).toBeGreaterThan(seq(old[2]!.id)) // AUTOINCREMENT: deleted ids are never reused
      const read = await store.readAfter([{ topic: 'a', after: old[1]!.id }], 10)
      expect(read.get('a')).toEqual(fresh)
    })
  })

  describe('deleteBefore', () => {
    it('deletes only events created before the date and returns how many', async () => {
      const { store } = await open()
      const old = await store.append([draft('a', 1), draft('b', 1)])
      const cutoff = new Date(Date.parse(old[0]!.createdAt) + 1)
      while (Date.now() <= cutoff.getTime()) await new Promise((resolve) => setTimeout(resolve, 1))
      const young = await store.append([draft('a', 2)])
      expect(await store.deleteBefore(cutoff)).toBe(2)
      expect(await store.deleteBefore(cutoff)).toBe(0)
      const start = `${epochOf(old[0]!.id)}.0`
      const read = await store.readAfter(
        [
          { topic: 'a', after: start },
          { topic: 'b', after: start },
        ],
        10,
      )
      expect(read.get('a')).toEqual(young)
      expect(read.has('b')).toBe(false)
      expect(await store.checkResume('a', old[0]!.id)).toEqual({ ok: true }) // nothing of `a` after it is missing
      expect(await store.checkResume('b', old[1]!.id)).toEqual({ ok: true })
      expect(await store.checkResume('b', start)).toEqual({ ok: false, reason: 'pruned' })
    })

    it('deletes in batches across many topics and remembers every topic', async () => {
      const { store } = await open()
      const records = await store.append(Array.from({ length: 2_345 }, (_, i) => draft(`t${i % 7}`, i)))
      expect(await store.deleteBefore(new Date(Date.now() + 60_000))).toBe(2_345)
      const heads = await store.heads(['t0', 't6'])
      expect(heads.get('t0')).toBe(records[2_338]!.id)
      expect(heads.get('t6')).toBe(records[2_344]!.id)
    })
  })

  describe('migrate', () => {
    it('is idempotent, keeps the epoch, and uses its own migration table', async () => {
      const filename = files.file()
      const { store } = await open(filename)
      const [record] = await store.append([draft('a', 1)])
      await store.migrate()
      await store.migrate()
      expect((await store.heads(['a'])).get('a')).toBe(record!.id)
      const inspect = new Database(filename, { readonly: true })
      try {
        const tables = inspect
          .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
          .all()
          .map((row) => (row as { name: string }).name)
        expect(tables).toEqual(
          expect.arrayContaining(['durable_sse_events', 'durable_sse_meta', 'durable_sse_migration', 'durable_sse_pruned']),
        )
        expect(tables).not.toContain('kysely_migration')
        expect(tables).not.toContain('kysely_migration_lock')
        expect(inspect.prepare('SELECT version, name FROM durable_sse_migration').all()).toEqual([
          { version: 1, name: 'create_events' },
          { version: 2, name: 'add_trace_context' },
        ])
        expect(inspect.pragma('journal_mode', { simple: true })).toBe('wal')
      } finally {
        inspect.close()
      }
    })

    it('keeps ids resumable across a restart (the epoch lives in the database)', async () => {
      const filename = files.file()
      const first = form.open(filename)
      await first.store.migrate()
      const [record] = await first.store.append([draft('a', 1)])
      await first.close()
      const { store } = await open(filename)
      expect(await store.checkResume('a', record!.id)).toEqual({ ok: true })
      expect((await store.heads(['a'])).get('a')).toBe(record!.id)
    })

    it('gives a re-created database a new epoch, so old ids are foreign', async () => {
      const { store: before } = await open(files.file('one.db'))
      const { store: after } = await open(files.file('two.db'))
      const [record] = await before.append([draft('a', 1)])
      expect(await after.checkResume('a', record!.id)).toEqual({ ok: false, reason: 'foreign' })
    })

    it('keeps stores with different table prefixes apart in one file', async () => {
      const filename = files.file()
      const { store: one } = await open(filename)
      const { store: two } = await open(filename, { tablePrefix: 'other_' })
      const [record] = await one.append([draft('a', 1)])
      const [head] = (await two.heads(['a'])).values()
      expect(seq(head!)).toBe(0)
      expect(epochOf(head!)).not.toBe(epochOf(record!.id))
    })

    it('explains that migrate() is needed before use', async () => {
      const opened = form.open(files.file())
      files.defer(() => opened.close())
      await expect(opened.store.append([draft('a', 1)])).rejects.toThrow(/migrate\(\)/)
      await expect(opened.store.heads(['a'])).rejects.toThrow(/migrate\(\)/)
      await expect(opened.store.heads(['a'])).rejects.toBeInstanceOf(StoreNotMigratedError)
      await expect(opened.store.append([draft('a', 1)])).rejects.toMatchObject({ code: 'STORE_NOT_MIGRATED' })
      await opened.store.migrate()
      expect(await opened.store.append([draft('a', 1)])).toHaveLength(1)
    })
  })

  it('shares one log between two stores on the same file (as two processes would)', async () => {
    const filename = files.file()
    const { store: one } = await open(filename)
    const { store: two } = await open(filename)
    const first = await one.append([draft('a', 1)])
    const second = await two.append([draft('a', 2)])
    expect(seq(second[0]!.id)).toBeGreaterThan(seq(first[0]!.id))
    const read = await one.readAfter([{ topic: 'a', after: `${epochOf(first[0]!.id)}.0` }], 10)
    expect(read.get('a')).toEqual([...first, ...second])
  })

  it('close() leaves the caller’s connection open, and the closed store refuses work', async () => {
    const opened = form.open(files.file())
    await opened.store.migrate()
    await opened.store.append([draft('a', 1)])
    await opened.store.close()
    await opened.store.close() // twice is fine
    await expect(opened.store.heads(['a'])).rejects.toThrow(/closed/)
    await expect(opened.store.append([draft('a', 2)])).rejects.toBeInstanceOf(StoreClosedError)
    await expect(opened.store.readAfter([{ topic: 'a', after: 'x.0' }], 1)).rejects.toMatchObject({ code: 'STORE_CLOSED' })
    if (opened.database) expect(opened.database.prepare('SELECT count(*) AS n FROM durable_sse_events').get()).toEqual({ n: 1 })
    await opened.close()
  })
})

describe('sqliteStore on a private database', () => {
  it('works on one shared connection for `:memory:`', async () => {
    const database = new Database(':memory:')
    const store = sqliteStore({ database })
    try {
      await store.migrate()
      const records = await store.append([draft('a', 1), draft('a', 2)])
      const read = await store.readAfter([{ topic: 'a', after: records[0]!.id }], 10)
      expect(read.get('a')).toEqual([records[1]])
      expect((await store.heads(['a'])).get('a')).toBe(records[1]!.id)
    } finally {
      await store.close()
      database.close()
    }
  })

  it('gives up with StoreTimeoutError when its one connection stays in a transaction of yours past busyTimeoutMs', async () => {
    const database = new Database(':memory:')
    const store = sqliteStore({ database, busyTimeoutMs: 100 })
    try {
      await store.migrate()
      database.exec('BEGIN') // the app's own transaction on the shared connection, never ended
      const started = performance.now()
      const failure = await store.heads(['a']).catch((error: unknown) => error)
      expect(failure).toBeInstanceOf(StoreTimeoutError)
      expect(failure).toMatchObject({ code: 'STORE_TIMEOUT', operation: 'lock', timeoutMs: 100 })
      expect(performance.now() - started).toBeGreaterThanOrEqual(95)
      database.exec('ROLLBACK')
      expect((await store.heads(['a'])).size).toBe(1)
    } finally {
      await store.close()
      database.close()
    }
  })

  it('works with { filename: ":memory:" }', async () => {
    const store = sqliteStore({ filename: ':memory:' })
    try {
      await store.migrate()
      const [record] = await store.append([draft('a', 1)])
      expect(await store.checkResume('a', record!.id)).toEqual({ ok: true })
    } finally {
      await store.close()
    }
  })
})

describe('sqliteStore options', () => {
  const files = useTempFiles()

  it('requires exactly one of filename, database or db', () => {
    expect(() => sqliteStore({} as never)).toThrow(TypeError)
    const { db, database } = kyselyOn(files.file())
    files.defer(() => db.destroy())
    expect(() => sqliteStore({ filename: files.file(), database } as never)).toThrow(/exactly one/)
  })

  it('rejects a table prefix that is not a plain identifier, and bad intervals', () => {
    expect(() => sqliteStore({ filename: files.file(), tablePrefix: 'x"; DROP TABLE y; --' })).toThrow(TypeError)
    expect(() => sqliteStore({ filename: files.file(), dataVersionIntervalMs: 0 })).toThrow(TypeError)
    expect(() => sqliteStore({ filename: files.file(), busyTimeoutMs: Number.NaN })).toThrow(TypeError)
  })
})
