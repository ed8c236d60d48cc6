/**
 * DESIGN invariant 2 on the real server: per-topic positions are gap-free and in commit order under
 * concurrent writers, so a reader with per-topic cursors never skips an event, while the seed's
 * "global id > lastSeq" reader does.
 */
import { type ControlledTransaction, Kysely, PostgresDialect, sql } from 'kysely'
import { expect, it } from 'vitest'
import type { PostgresStore } from '../../adapters/postgres/index.js'
import type { EventDraft, EventRecord } from '../../src/event.js'
import { parseEventId } from '../../src/event-id.js'
import {
  backendOf,
  describePostgres,
  type PostgresTestDatabase,
  seqOf,
  uniqueTopic,
  waitingForLock,
} from '../helpers/postgres.js'

const draft = (topic: string, name: string): EventDraft => ({ topic, type: 'step', data: JSON.stringify({ name }) })

/** Tails topics the way the broker's poller does: one cursor per topic, `readAfter`. */
class TopicReader {
  readonly seen: EventRecord[] = []
  private readonly cursors = new Map<string, string>()

  constructor(
    private readonly store: PostgresStore,
    topics: string[],
    epoch: string,
  ) {
    for (const topic of topics) this.cursors.set(topic, `${epoch}.0`)
  }

  async poll(): Promise<string[]> {
    const cursors = [...this.cursors].map(([topic, after]) => ({ topic, after }))
    const found = await this.store.readAfter(cursors, 100)
    const names: string[] = []
    for (const [topic, records] of found) {
      this.cursors.set(topic, records.at(-1)?.id as string)
      this.seen.push(...records)
      names.push(...records.map((r) => JSON.parse(r.data).name as string))
    }
    return names
  }
}

/** The seed's poller, kept as the counter-example: one global `lastSeq` over a bigserial id. */
class NaiveGlobalReader {
  lastSeq = 0
  readonly seen: string[] = []

  constructor(
    private readonly database: PostgresTestDatabase,
    private readonly table: string,
  ) {}

  async poll(): Promise<string[]> {
    const rows = await this.database.query<{ id: string; name: string }>(
      `SELECT id::text AS id, name FROM ${this.table} WHERE id > $1 ORDER BY id`,
      [this.lastSeq],
    )
    for (const row of rows) this.lastSeq = Math.max(this.lastSeq, Number(row.id))
    this.seen.push(...rows.map((row) => row.name))
    return rows.map((row) => row.name)
  }
}

describePostgres('postgres ordering', (database) => {
  const kysely = (): Kysely<any> => new Kysely<any>({ dialect: new PostgresDialect({ pool: database.newPool() }) })

  it('interleaved commits: Q at once, P only after T1 and T2 commit, in commit order; the naive reader loses P', async () => {
    const store = await database.store({ notify: false })
    const db = kysely()
    const naive = `"${database.schema}".naive_events`
    await database.query(`CREATE TABLE ${naive} (id bigserial PRIMARY KEY, topic text NOT NULL, name text NOT NULL)`)
    const [p, q] = [uniqueTopic('P'), uniqueTopic('Q')]
    const epoch = parseEventId((await store.heads([p])).get(p) ?? '')?.epoch as string
    const reader = new TopicReader(store, [p, q], epoch)
    const naiveReader = new NaiveGlobalReader(database, naive)
    /** What an app does in each transaction: its seed-style row, then the durable-sse publish. */
    const publish = async (trx: ControlledTransaction<any>, topic: string, name: string) => {
      await sql`INSERT INTO ${sql.raw(naive)} (topic, name) VALUES (${topic}, ${name})`.execute(trx)
      return store.append([draft(topic, name)], { transaction: trx })
    }

    const t1 = await db.startTransaction().execute()
    await publish(t1, p, 'P1') // holds P's head row until T1 ends

    const t2 = await db.startTransaction().execute()
    const t2Backend = await backendOf(t2)
    let t2Appended = false
    const t2Append = publish(t2, p, 'P2').then((records) => {
      t2Appended = true
      return records
    })
    await waitingForLock(database, t2Backend) // T2 took its bigserial id, then queued behind T1 for P

    const t3 = await db.startTransaction().execute()
    await publish(t3, q, 'Q1')
    await t3.commit().execute()

    expect(await reader.poll()).toEqual(['Q1'])
    expect(await naiveReader.poll()).toEqual(['Q1']) // lastSeq jumps past T1's and T2's ids
    expect(t2Appended).toBe(false)

    await t1.commit().execute()
    const [p2] = await t2Append // T2 drew its position only now, after T1's commit
    expect(seqOf(p2?.id ?? '')).toBe(2)
    expect(await reader.poll()).toEqual(['P1'])
    await t2.commit().execute()
    expect(await reader.poll()).toEqual(['P2'])

    expect(await naiveReader.poll()).toEqual([])
    expect(reader.seen.map((r) => JSON.parse(r.data).name)).toEqual(['Q1', 'P1', 'P2'])
    expect(reader.seen.filter((r) => r.topic === p).map((r) => seqOf(r.id))).toEqual([1, 2])
    // The counter-example: all three committed, but the global-lastSeq reader never sees P1 or P2.
    expect(await database.query(`SELECT name FROM ${naive} ORDER BY id`)).toHaveLength(3)
    expect(naiveReader.seen).toEqual(['Q1'])
    await db.destroy()
  })

  it('a rolled-back publish gives its positions back', async () => {
    const store = await database.store({ notify: false })
    const db = kysely()
    const topic = uniqueTopic()
    const trx = await db.startTransaction().execute()
    const [ghost] = await store.append([draft(topic, 'ghost'), draft(topic, 'ghost 2')], { transaction: trx })
    expect(seqOf(ghost?.id ?? '')).toBe(1)
    await trx.rollback().execute()
    const [kept] = await store.append([draft(topic, 'kept')])
    expect(seqOf(kept?.id ?? '')).toBe(1)
    const epoch = parseEventId(kept?.id ?? '')?.epoch
    expect((await store.readAfter([{ topic, after: `${epoch}.0` }], 10)).get(topic)).toEqual([kept])
    await db.destroy()
  })

  it('concurrent publishers from several pools get every position of a topic exactly once', async () => {
    const stores = await Promise.all([1, 2, 3, 4].map(() => database.store({ notify: false })))
    const [hot, cold] = [uniqueTopic('hot'), uniqueTopic('cold')]
    const calls = Array.from({ length: 64 }, (_, i) => {
      const store = stores[i % stores.length] as PostgresStore
      const drafts = [draft(hot, `${i}a`), draft(cold, `${i}`), draft(hot, `${i}b`)]
      return store.append(i % 2 === 0 ? drafts : drafts.reverse())
    })
    const results = await Promise.all(calls)
    const hotSeqs = results
      .flat()
      .filter((r) => r.topic === hot)
      .map((r) => seqOf(r.id))
    expect(hotSeqs.sort((a, b) => a - b)).toEqual(Array.from({ length: 128 }, (_, i) => i + 1))
    for (const records of results) {
      // Within one call, a topic's events keep the call's order and are consecutive.
      const own = records.filter((r) => r.topic === hot).map((r) => seqOf(r.id))
      expect(own[1]).toBe((own[0] as number) + 1)
    }
    const epoch = parseEventId(results[0]?.[0]?.id ?? '')?.epoch
    const read = (await stores[0]?.readAfter([{ topic: hot, after: `${epoch}.0` }], 1_000))?.get(hot) ?? []
    expect(read.map((r) => seqOf(r.id))).toEqual(Array.from({ length: 128 }, (_, i) => i + 1))
  })

  it('locks the topics of one call in sorted order, whatever the order of the events', async () => {
    const store = await database.store({ notify: false })
    const db = kysely()
    const stem = uniqueTopic()
    const [a, b, c] = [`${stem}-a`, `${stem}-b`, `${stem}-c`]
    await store.append([draft(a, '0'), draft(b, '0'), draft(c, '0')]) // the head rows exist

    const holder = await db.startTransaction().execute()
    await store.append([draft(b, 'held')], { transaction: holder })
    const publisher = await db.startTransaction().execute()
    const publisherBackend = await backendOf(publisher)
    const blocked = store.append([draft(c, '1'), draft(b, '1'), draft(a, '1')], { transaction: publisher })
    await waitingForLock(database, publisherBackend)

    // Sorted: it holds a (before b) and has not touched c. In call order it would hold c instead.
    const free = await database.query<{ topic: string }>(
      `SELECT topic FROM "${database.schema}".durable_sse_streams WHERE topic = ANY($1) ORDER BY topic FOR UPDATE SKIP LOCKED`,
      [[a, c]],
    )
    expect(free.map((row) => row.topic)).toEqual([c])

    await holder.commit().execute()
    const records = await blocked
    expect(records.map((r) => [r.topic, seqOf(r.id)])).toEqual([
      [c, 2],
      [b, 3],
      [a, 2],
    ])
    await publisher.commit().execute()
    await db.destroy()
  })
})
