/** The Postgres store's reads and writes against the real server: ids, order, round trips, errors. */
import { Kysely, PostgresDialect } from 'kysely'
import type pg from 'pg'
import { expect, it } from 'vitest'
import { type PostgresPoolLike, postgresStore } from '../../adapters/postgres/index.js'
import { InvalidEventIdError, StoreNotMigratedError } from '../../src/errors.js'
import type { EventDraft } from '../../src/event.js'
import { parseEventId } from '../../src/event-id.js'
import { describePostgres, seqOf, uniqueTopic } from '../helpers/postgres.js'

const draft = (topic: string, n: number | string): EventDraft => ({ topic, type: 'tick', data: JSON.stringify({ n }) })

/** The pool, counting the statements sent through it (each is one round trip). */
function countingPool(pool: pg.Pool): { pool: PostgresPoolLike; statements: () => number } {
  let statements = 0
  return {
    statements: () => statements,
    pool: {
      options: pool.options,
      end: () => pool.end(),
      async connect() {
        const client = await pool.connect()
        return {
          query: ((text: string, values: unknown[]) => {
            statements++
            return client.query(text, values)
          }) as never,
          release: (destroy?: boolean) => client.release(destroy),
        }
      },
    },
  }
}

describePostgres('postgres store', (database) => {
  it('appends with per-topic positions in call order and the same epoch and time for the batch', async () => {
    const store = await database.store({ notify: false })
    const [a, b] = [uniqueTopic('a'), uniqueTopic('b')]
    const records = await store.append([draft(a, 1), draft(b, 1), draft(a, 2), draft(a, 3)])
    expect(records.map((r) => [r.topic, seqOf(r.id), r.data])).toEqual([
      [a, 1, '{"n":1}'],
      [b, 1, '{"n":1}'],
      [a, 2, '{"n":2}'],
      [a, 3, '{"n":3}'],
    ])
    const epochs = new Set(records.map((r) => parseEventId(r.id)?.epoch))
    expect(epochs.size).toBe(1)
    expect(new Set(records.map((r) => r.createdAt)).size).toBe(1)
    expect(records[0]?.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    expect(Math.abs(Date.parse(records[0]?.createdAt ?? '') - Date.now())).toBeLessThan(60_000)

    const more = await store.append([draft(a, 4)])
    expect(seqOf(more[0]?.id ?? '')).toBe(4)
    expect(await store.append([])).toEqual([])
  })

  it('reads what the append returned, byte for byte', async () => {
    const store = await database.store({ notify: false })
    const topic = uniqueTopic()
    // Key order, spacing, escapes and astral characters all survive (the column is text, not jsonb).
    const data = '{"b":1,  "a":"\\u0000 é 😀","z":[1.50,1e3]}'
    const [written] = await store.append([{ topic, type: 'raw', data }])
    const read = await store.readAfter([{ topic, after: `${parseEventId(written?.id ?? '')?.epoch}.0` }], 10)
    expect(read.get(topic)).toEqual([written])
  })

  it('orders positions as numbers, never as text (9 before 10), and pages with the limit', async () => {
    const store = await database.store({ notify: false })
    const topic = uniqueTopic()
    const records = await store.append(Array.from({ length: 12 }, (_, i) => draft(topic, i + 1)))
    const epoch = parseEventId(records[0]?.id ?? '')?.epoch as string

    const all = await store.readAfter([{ topic, after: `${epoch}.0` }], 100)
    expect(all.get(topic)?.map((r) => seqOf(r.id))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    const afterNine = await store.readAfter([{ topic, after: `${epoch}.9` }], 100)
    expect(afterNine.get(topic)?.map((r) => r.data)).toEqual(['{"n":10}', '{"n":11}', '{"n":12}'])

    const pages: number[][] = []
    let after = `${epoch}.0`
    for (;;) {
      const page = (await store.readAfter([{ topic, after }], 5)).get(topic) ?? []
      if (page.length === 0) break
      pages.push(page.map((r) => seqOf(r.id)))
      after = page.at(-1)?.id as string
    }
    expect(pages).toEqual([
      [1, 2, 3, 4, 5],
      [6, 7, 8, 9, 10],
      [11, 12],
    ])
    expect(await store.heads([topic])).toEqual(new Map([[topic, `${epoch}.12`]]))
  })

  it('reads many topics in one statement; topics with nothing new are absent', async () => {
    const pool = database.newPool()
    const counted = countingPool(pool)
    const store = postgresStore({ pool: counted.pool, schema: database.schema, notify: false })
    database.defer(() => store.close())
    const [a, b, idle, unknown] = [uniqueTopic('a'), uniqueTopic('b'), uniqueTopic('idle'), uniqueTopic('unknown')]
    const written = await store.append([draft(a, 1), draft(b, 1), draft(a, 2), draft(idle, 1)])
    const epoch = parseEventId(written[0]?.id ?? '')?.epoch as string

    let before = counted.statements()
    const read = await store.readAfter(
      [
        { topic: a, after: `${epoch}.0` },
        { topic: b, after: `${epoch}.0` },
        { topic: idle, after: `${epoch}.1` },
        { topic: unknown, after: `${epoch}.0` },
      ],
      10,
    )
    expect(counted.statements() - before).toBe(1)
    expect([...read.keys()].sort()).toEqual([a, b].sort())
    expect(read.get(a)?.map((r) => r.data)).toEqual(['{"n":1}', '{"n":2}'])

    before = counted.statements()
    await store.append([draft(a, 3), draft(b, 2), draft(uniqueTopic('c'), 1)])
    expect(counted.statements() - before).toBe(1) // heads, events and NOTIFY in one statement

    before = counted.statements()
    const heads = await store.heads([a, b, unknown])
    expect(counted.statements() - before).toBe(1)
    expect(heads).toEqual(
      new Map([
        [a, `${epoch}.3`],
        [b, `${epoch}.2`],
        [unknown, `${epoch}.0`],
      ]),
    )
  })

  it('rejects a malformed cursor instead of reading from the start', async () => {
    const store = await database.store({ notify: false })
    await expect(store.readAfter([{ topic: uniqueTopic(), after: 'not-an-id' }], 10)).rejects.toBeInstanceOf(InvalidEventIdError)
  })

  it('writes nothing when any part of a batch fails, and rejects with the driver error', async () => {
    const store = await database.store({ notify: false })
    const [good, clashing] = [uniqueTopic('good'), uniqueTopic('clash')]
    // A row the adapter did not write occupies clashing's first position.
    await database.query(
      `INSERT INTO "${database.schema}".durable_sse_events (topic, seq, type, data) VALUES ($1, 1, 'x', '{}')`,
      [clashing],
    )
    const failure = await store.append([draft(good, 1), draft(clashing, 1)]).catch((error: unknown) => error)
    expect(failure).toMatchObject({ code: '23505' }) // pg's DatabaseError, unique_violation
    const heads = await store.heads([good, clashing])
    expect([...heads.values()].map(seqOf)).toEqual([0, 0])
    const rows = await database.query(`SELECT 1 FROM "${database.schema}".durable_sse_events WHERE topic = $1`, [good])
    expect(rows).toHaveLength(0)
  })

  it('rejects with the driver error when its tables do not exist (migrate not called)', async () => {
    const store = postgresStore({
      connectionString: database.url,
      schema: database.schema,
      tablePrefix: 'never_migrated_',
      notify: false,
    })
    database.defer(() => store.close())
    await expect(store.append([draft(uniqueTopic(), 1)])).rejects.toMatchObject({ code: '42P01' })
    await expect(store.heads(['x'])).rejects.toMatchObject({ code: '42P01' })
  })

  it('rejects with StoreNotMigratedError when its tables exist but hold no epoch (a migration cut short)', async () => {
    const options = { connectionString: database.url, schema: database.schema, tablePrefix: 'no_epoch_', notify: false }
    const migrated = postgresStore(options)
    await migrated.migrate()
    await migrated.close()
    await database.query(`DELETE FROM "${database.schema}".no_epoch_meta`)
    const store = postgresStore(options)
    database.defer(() => store.close())
    const failure = await store.heads(['x']).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(StoreNotMigratedError)
    expect(failure).toMatchObject({ code: 'STORE_NOT_MIGRATED', message: expect.stringContaining('run store.migrate()') })
  })

  it('writes a 10,000-event batch in one call, read back in order in bounded pages', async () => {
    const store = await database.store({ notify: false })
    const [topic, other] = [uniqueTopic('big'), uniqueTopic('big-other')]
    const drafts = Array.from({ length: 10_000 }, (_, i) => draft(i % 10 === 9 ? other : topic, i))
    const records = await store.append(drafts)
    expect(records.filter((r) => r.topic === topic).map((r) => seqOf(r.id))).toEqual(
      Array.from({ length: 9_000 }, (_, i) => i + 1),
    )
    const epoch = parseEventId(records[0]?.id ?? '')?.epoch as string
    const seen: string[] = []
    let after = `${epoch}.0`
    for (;;) {
      const page = (await store.readAfter([{ topic, after }], 500)).get(topic) ?? []
      expect(page.length).toBeLessThanOrEqual(500)
      if (page.length === 0) break
      seen.push(...page.map((r) => r.data))
      after = page.at(-1)?.id as string
    }
    expect(seen).toEqual(drafts.filter((d) => d.topic === topic).map((d) => d.data))
  })

  it('validates its options', () => {
    const base = { connectionString: database.url }
    expect(() => postgresStore({ ...base, tablePrefix: 'x'.repeat(60) })).toThrow(TypeError)
    expect(() => postgresStore({ ...base, schema: 's'.repeat(64) })).toThrow(/schema/)
    expect(() => postgresStore({ ...base, channel: 'c'.repeat(64) })).toThrow(/channel/)
    expect(() => postgresStore({ ...base, schema: 's'.repeat(60) })).not.toThrow() // a long schema gets a hashed channel
    expect(() => postgresStore({ ...base, fallbackPollMs: 0 })).toThrow(TypeError)
    expect(() => postgresStore({} as never)).toThrow(TypeError)
    expect(() => postgresStore({ ...base, relay: { slot: 'Has-Capitals' } })).toThrow(/relay\.slot/)
    expect(() => postgresStore({ ...base, relay: { publication: 'p'.repeat(64) } })).toThrow(/relay\.publication/)
    expect(() => postgresStore({ ...base, relay: { takeoverMs: 0 } })).toThrow(/relay\.takeoverMs/)
    expect(() => postgresStore({ ...base, relay: 'yes' as never })).toThrow(/relay must be/)
    expect(() =>
      postgresStore({ db: new Kysely<any>({ dialect: new PostgresDialect({ pool: {} as never }) }), notify: false, relay: true }),
    ).toThrow(/relay/)
  })
})
