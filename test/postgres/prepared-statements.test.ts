/**
 * The store's hottest statements run as named prepared statements (parsed and planned once per
 * connection); behind a pooler that refuses them (PgBouncer 1.18 in transaction mode, two server
 * connections shared by many clients) they fall back to unnamed ones: nothing fails, nothing is
 * lost or reordered.
 */
import { expect, it } from 'vitest'
import { postgresStore } from '../../adapters/postgres/index.js'
import { postgresSql } from '../../adapters/postgres/postgres-sql.js'
import { createBroker } from '../../src/index.js'
import { pgbouncerMissing, startPgBouncer } from '../helpers/pgbouncer.js'
import { describePostgres, seqOf, uniqueTopic } from '../helpers/postgres.js'
import { collect } from './helpers/collect.js'

describePostgres('named prepared statements', (database) => {
  it("the append, the reads and the resume check are prepared on the store's connection", async () => {
    const pool = database.newPool({ max: 1 })
    const store = postgresStore({ pool, schema: database.schema, notify: false })
    await store.migrate()
    const broker = createBroker(store, { heartbeatMs: 0 })
    database.defer(() => broker.close())
    const topic = uniqueTopic('prepared')
    const [first] = await broker.publish({ topic, type: 't', payload: { n: 1 } }).then((record) => [record])
    await store.readAfter([{ topic, after: first?.id as string }], 10)
    await store.readAfter(
      [
        { topic, after: first?.id as string },
        { topic: `${topic}-other`, after: first?.id as string },
      ],
      10,
    )
    await store.checkResume(topic, first?.id as string)
    const rows = await pool.query<{ name: string; statement: string }>(
      "SELECT name, statement FROM pg_prepared_statements WHERE name LIKE 'durable_sse_%'",
    )
    const statements = postgresSql({ schema: database.schema, tablePrefix: 'durable_sse_', channel: 'unused', notify: false })
    const prepared = new Set(rows.rows.map((row) => row.statement))
    for (const name of ['append', 'readAfter', 'readAfterOne', 'resumeState'] as const)
      expect(prepared.has(statements[name]), `${name} is prepared`).toBe(true)
  })

  it('behind PgBouncer in transaction mode: every publish commits once, in order, and is read back', async () => {
    const missing = pgbouncerMissing()
    if (missing !== undefined && process.env.CI !== 'true') {
      console.warn(`\n!!! SKIPPING the PgBouncer case: ${missing}\n`)
      return
    }
    const bouncer = await startPgBouncer(database.url, 'transaction', 2)
    database.defer(() => bouncer.stop())
    const errors: unknown[] = []
    const stores = await Promise.all(
      [0, 1].map(() => database.store({ connectionString: bouncer.url, poolConfig: { max: 6 }, notify: false } as never)),
    )
    const brokers = stores.map((store) =>
      createBroker(store, { heartbeatMs: 0, pollIntervalMs: 20, onError: (e) => errors.push(e) }),
    )
    for (const broker of brokers) database.defer(() => broker.close())
    const topics = [uniqueTopic('bounced'), uniqueTopic('bounced')]
    const readers = topics.map((topic) => collect(brokers[1] as never, topic))
    await Promise.all(readers.map((reader) => reader.ready))
    const published = await Promise.all(
      Array.from({ length: 120 }, (_, n) =>
        (brokers[n % 2] as (typeof brokers)[0]).publish({ topic: topics[n % 2] as string, type: 't', payload: { n } }),
      ),
    )
    expect(published).toHaveLength(120)
    for (const [i, reader] of readers.entries()) {
      await reader.until((events) => events.length >= 60, `60 events of ${topics[i]}`)
      expect(reader.events.map((event) => seqOf(event.id))).toEqual(Array.from({ length: 60 }, (_, n) => n + 1))
    }
    expect(errors).toEqual([])
  })
})
