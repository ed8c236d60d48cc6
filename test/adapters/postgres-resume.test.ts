/** Resume checks and retention on Postgres: ok, pruned, ahead, other epoch; malformed ids; batched deletes. */
import { Kysely, PostgresDialect } from 'kysely'
import { expect, it } from 'vitest'
import type { PostgresStore } from '../../adapters/postgres/index.js'
import type { EventDraft } from '../../src/event.js'
import { parseEventId } from '../../src/event-id.js'
import { describePostgres, seqOf, uniqueTopic } from '../helpers/postgres.js'

const draft = (topic: string, n: number): EventDraft => ({ topic, type: 'tick', data: JSON.stringify({ n }) })

describePostgres('postgres resume', (database) => {
  const events = (prefix = 'durable_sse_') => `"${database.schema}".${prefix}events`
  /** Makes the first `count` events of `topic` a day old. */
  const age = (topic: string, count: number, prefix?: string) =>
    database.query(`UPDATE ${events(prefix)} SET created_at = now() - interval '1 day' WHERE topic = $1 AND seq <= $2`, [
      topic,
      count,
    ])
  const epochOf = (store: PostgresStore, topic: string) =>
    store.heads([topic]).then((heads) => parseEventId(heads.get(topic) ?? '')?.epoch as string)

  it('resumes after any id up to the head, and refuses ids ahead of it', async () => {
    const store = await database.store({ notify: false })
    const topic = uniqueTopic()
    const records = await store.append([1, 2, 3].map((n) => draft(topic, n)))
    const epoch = await epochOf(store, topic)
    for (const id of [`${epoch}.0`, records[0]?.id, records[2]?.id]) {
      expect(await store.checkResume(topic, id as string)).toEqual({ ok: true })
    }
    expect(await store.checkResume(topic, `${epoch}.4`)).toEqual({ ok: false, reason: 'ahead' })
    expect(await store.checkResume(uniqueTopic('empty'), `${epoch}.1`)).toEqual({ ok: false, reason: 'ahead' })
    expect(await store.checkResume(uniqueTopic('empty'), `${epoch}.0`)).toEqual({ ok: true })
    // Replay after an id is exactly the rest.
    const replay = (await store.readAfter([{ topic, after: records[0]?.id as string }], 10)).get(topic)
    expect(replay).toEqual(records.slice(1))
  })

  it('knows ids of another database by their epoch', async () => {
    const store = await database.store({ notify: false })
    const other = await database.store({ notify: false, tablePrefix: 'elsewhere_' }) // its own tables, its own epoch
    const topic = uniqueTopic()
    const [mine] = await store.append([draft(topic, 1)])
    const [theirs] = await other.append([draft(topic, 1)])
    expect(parseEventId(theirs?.id ?? '')?.epoch).not.toBe(parseEventId(mine?.id ?? '')?.epoch)
    expect(await store.checkResume(topic, theirs?.id as string)).toEqual({ ok: false, reason: 'foreign' })
    expect(await store.checkResume(topic, mine?.id as string)).toEqual({ ok: true })
  })

  it('tells malformed ids apart from ids it cannot resume', async () => {
    const store = await database.store({ notify: false })
    const [record] = await store.append([draft(uniqueTopic(), 1)])
    expect(store.isValidId(record?.id as string)).toBe(true)
    expect(store.isValidId('abc123.0')).toBe(true)
    for (const bad of ['', '42', 'abc.', '.1', 'ABC.1', 'abc.01', 'abc.-1', 'abc.1.2', 'abc 1', 'abc.99999999999999999']) {
      expect(store.isValidId(bad), bad).toBe(false)
    }
  })

  it('deletes old events in batches, remembering per topic how far, so older ids reset', async () => {
    const store = await database.store({ notify: false, deleteBatchSize: 3 })
    const [a, b] = [uniqueTopic('a'), uniqueTopic('b')]
    const written = await store.append([...[1, 2, 3, 4, 5, 6, 7, 8].map((n) => draft(a, n)), draft(b, 1), draft(b, 2)])
    const epoch = parseEventId(written[0]?.id ?? '')?.epoch as string
    await age(a, 7)
    await age(b, 1)

    expect(await store.deleteBefore(new Date(Date.now() - 3_600_000))).toBe(8) // three batches: 3 + 3 + 2
    expect((await store.readAfter([{ topic: a, after: `${epoch}.0` }], 10)).get(a)?.map((r) => seqOf(r.id))).toEqual([8])
    expect(await store.checkResume(a, `${epoch}.6`)).toEqual({ ok: false, reason: 'pruned' })
    expect(await store.checkResume(a, `${epoch}.7`)).toEqual({ ok: true }) // the rest is all there
    expect(await store.checkResume(b, `${epoch}.0`)).toEqual({ ok: false, reason: 'pruned' })
    expect(await store.checkResume(b, `${epoch}.1`)).toEqual({ ok: true })
    expect(await store.deleteBefore(new Date(Date.now() - 3_600_000))).toBe(0)
    // Pruning never goes backwards, and the positions go on.
    const [next] = await store.append([draft(a, 9)])
    expect(seqOf(next?.id ?? '')).toBe(9)
    expect(await store.checkResume(a, `${epoch}.6`)).toEqual({ ok: false, reason: 'pruned' })
  })

  it('prunes without waiting for a publisher that holds the topic', async () => {
    const store = await database.store({ notify: false })
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: database.newPool() }) })
    const topic = uniqueTopic()
    await store.append([1, 2].map((n) => draft(topic, n)))
    await age(topic, 2)
    const trx = await db.startTransaction().execute()
    await store.append([draft(topic, 3)], { transaction: trx }) // holds the topic's head row
    expect(await store.deleteBefore(new Date())).toBeGreaterThanOrEqual(2)
    await trx.commit().execute()
    const epoch = await epochOf(store, topic)
    expect(await store.checkResume(topic, `${epoch}.1`)).toEqual({ ok: false, reason: 'pruned' })
    expect((await store.readAfter([{ topic, after: `${epoch}.2` }], 10)).get(topic)?.map((r) => seqOf(r.id))).toEqual([3])
    await db.destroy()
  })

  it('several processes pruning at once delete each event once', async () => {
    const prefix = 'prune_race_'
    const stores = await Promise.all(
      [1, 2, 3].map(() => database.store({ notify: false, tablePrefix: prefix, deleteBatchSize: 50 })),
    )
    const topics = [uniqueTopic('x'), uniqueTopic('y'), uniqueTopic('z')]
    for (const topic of topics) {
      await stores[0]?.append(Array.from({ length: 400 }, (_, n) => draft(topic, n)))
      await age(topic, 400, prefix)
    }
    const counts = await Promise.all(stores.map((store) => store.deleteBefore(new Date())))
    expect(counts.reduce((sum, n) => sum + n, 0)).toBe(1_200)
    const [left] = await database.query<{ n: string }>(`SELECT count(*) AS n FROM ${events(prefix)}`)
    expect(left?.n).toBe('0')
  })

  it('prunes in one process at a time: while another holds the retention lock, deleteBefore deletes nothing', async () => {
    const store = await database.store({ notify: false, tablePrefix: 'retention_lock_' })
    const topic = uniqueTopic()
    await store.append([draft(topic, 1), draft(topic, 2)])
    await age(topic, 2, 'retention_lock_')
    const other = await database.pool.connect()
    try {
      await other.query('BEGIN')
      const [held] = (
        await other.query(`SELECT pg_try_advisory_xact_lock(hashtext($1)) AS held`, [
          `durable-sse retention "${database.schema}"."retention_lock_events"`,
        ])
      ).rows
      expect(held.held).toBe(true)
      expect(await store.deleteBefore(new Date())).toBe(0)
      await other.query('COMMIT')
      expect(await store.deleteBefore(new Date())).toBe(2)
    } finally {
      other.release()
    }
  })
})
