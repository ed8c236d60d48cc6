/**
 * The Postgres store's epoch and the server's timeline (`adapters/postgres/timeline.ts`), on the
 * shared server: migration 0003 records the timeline once (a database migrated before it keeps its
 * ids), and a server on another timeline than the recorded one (as after a failover, seen by an app
 * restarted without `migrate()`) labels everything with the epoch plus that timeline, calls earlier
 * ids foreign, and refuses to read after them. The promotion itself: test/postgres/failover.test.ts.
 */
import { expect, it } from 'vitest'
import { postgresStore } from '../../adapters/postgres/index.js'
import { CannotResumeError, StoreNotMigratedError } from '../../src/errors.js'
import type { EventDraft } from '../../src/event.js'
import { parseEventId } from '../../src/event-id.js'
import { describePostgres, uniqueTopic } from '../helpers/postgres.js'

const draft = (topic: string, n: number): EventDraft => ({ topic, type: 'tick', data: JSON.stringify({ n }) })

describePostgres('postgres timeline epoch', (database) => {
  const table = (prefix: string, name: string) => `"${database.schema}".${prefix}${name}`
  /** A store on the tables of `prefix` that has not run `migrate()` (an app restarted after a failover). */
  const restarted = (tablePrefix: string) => {
    const store = postgresStore({ connectionString: database.url, schema: database.schema, tablePrefix, notify: false })
    database.defer(() => store.close())
    return store
  }
  const serverTimeline = async () =>
    (
      await database.query<{ timeline: number }>(
        `SELECT ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int AS timeline`,
      )
    )[0]?.timeline as number

  it('records the timeline once; a database migrated before that keeps its ids across the upgrade', async () => {
    const prefix = 'upgrade_'
    const store = await database.store({ notify: false, tablePrefix: prefix })
    const topic = uniqueTopic()
    const [before] = await store.append([draft(topic, 1)])
    const epoch = parseEventId(before?.id ?? '')?.epoch as string
    expect(epoch).toMatch(/^[0-9a-z]{8}$/)
    const [meta] = await database.query<{ timeline: number }>(`SELECT timeline FROM ${table(prefix, 'meta')}`)
    expect(meta?.timeline).toBe(await serverTimeline())

    // The schema as 0.x left it: no timeline, migration 0003 not applied.
    await database.query(`ALTER TABLE ${table(prefix, 'meta')} DROP COLUMN timeline`)
    await database.query(`DELETE FROM ${table(prefix, 'migration')} WHERE name = '0003_record_timeline'`)
    const upgraded = restarted(prefix)
    await expect(upgraded.heads([topic])).rejects.toBeInstanceOf(StoreNotMigratedError)
    await upgraded.migrate()
    expect(await upgraded.checkResume(topic, before?.id as string)).toEqual({ ok: true })
    const [after] = await upgraded.append([draft(topic, 2)])
    expect(after?.id).toBe(`${epoch}.2`)
    await upgraded.migrate() // idempotent: the timeline is recorded once
    expect(await database.query(`SELECT timeline FROM ${table(prefix, 'meta')}`)).toEqual([{ timeline: meta?.timeline }])
  })

  it('on another timeline than ids began on, every id carries it and earlier ids are foreign', async () => {
    const prefix = 'moved_'
    const store = await database.store({ notify: false, tablePrefix: prefix })
    const [topic, other, fresh] = [uniqueTopic('a'), uniqueTopic('b'), uniqueTopic('fresh')]
    const earlier = await store.append([draft(topic, 1), draft(topic, 2), draft(other, 1)])
    const epoch = parseEventId(earlier[0]?.id ?? '')?.epoch as string
    // Ids began on a timeline the server has left: as if it had been promoted since.
    await database.query(`UPDATE ${table(prefix, 'meta')} SET timeline = timeline + 1`)
    const moved = `${epoch}t${(await serverTimeline()).toString(36)}`

    const after = restarted(prefix)
    expect(await after.heads([topic, fresh])).toEqual(
      new Map([
        [topic, `${moved}.2`],
        [fresh, `${moved}.0`],
      ]),
    )
    expect(await after.checkResume(topic, earlier[1]?.id as string)).toEqual({ ok: false, reason: 'foreign' })
    expect(await after.checkResume(topic, `${moved}.1`)).toEqual({ ok: true })
    expect(await after.checkResume(topic, `${moved}.3`)).toEqual({ ok: false, reason: 'ahead' })

    // A read after an earlier id names every topic it cannot read, and reads nothing.
    const refused = await after
      .readAfter(
        [
          { topic, after: earlier[0]?.id as string },
          { topic: other, after: `${moved}.0` },
          { topic: fresh, after: `${epoch}.0` },
        ],
        10,
      )
      .catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(CannotResumeError)
    expect((refused as CannotResumeError).resets).toEqual([
      { topic, reason: 'foreign' },
      { topic: fresh, reason: 'foreign' },
    ])
    await expect(after.readAfter([{ topic, after: `${epoch}.2` }], 10)).rejects.toBeInstanceOf(CannotResumeError)

    const [appended] = await after.append([draft(topic, 3)])
    expect(appended?.id).toBe(`${moved}.3`)
    const read = await after.readAfter([{ topic, after: `${moved}.1` }], 10)
    expect(read.get(topic)?.map((record) => record.id)).toEqual([`${moved}.2`, `${moved}.3`])
    expect(await after.readAfter([{ topic, after: `${moved}.3` }], 10)).toEqual(new Map())
    const both = await after.readAfter(
      [
        { topic, after: `${moved}.2` },
        { topic: other, after: `${moved}.0` },
      ],
      10,
    )
    expect([...both.values()].flat().map((record) => record.id)).toEqual([`${moved}.3`, `${moved}.1`])

    // Retention pruned past the cursor: the one-topic read's first row is not the next position,
    // so it names no timeline and the store reads again with it.
    const pruned = uniqueTopic('pruned')
    await after.append([1, 2, 3, 4].map((n) => draft(pruned, n)))
    await database.query(
      `UPDATE ${table(prefix, 'events')} SET created_at = now() - interval '1 day' WHERE topic = $1 AND seq <= 2`,
      [pruned],
    )
    expect(await after.deleteBefore(new Date(Date.now() - 3_600_000))).toBe(2)
    const rest = await after.readAfter([{ topic: pruned, after: `${moved}.0` }], 10)
    expect(rest.get(pruned)?.map((record) => record.id)).toEqual([`${moved}.3`, `${moved}.4`])
    await expect(after.readAfter([{ topic: pruned, after: `${epoch}.0` }], 10)).rejects.toBeInstanceOf(CannotResumeError)
  })
})
