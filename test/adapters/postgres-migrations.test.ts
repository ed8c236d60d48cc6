/** `store.migrate()` on the real server: idempotent, concurrent, its own migration tables, schema and prefix. */
import { expect, it } from 'vitest'
import { postgresStore } from '../../adapters/postgres/index.js'
import { parseEventId } from '../../src/event-id.js'
import { describePostgres, uniqueTopic } from '../helpers/postgres.js'

describePostgres('postgres migrations', (database) => {
  const tablesIn = async (schema: string) =>
    (
      await database.query<{ table_name: string }>(
        'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
        [schema],
      )
    ).map((row) => row.table_name)
  const epochOf = async (store: { heads(topics: string[]): Promise<Map<string, string>> }) =>
    parseEventId((await store.heads(['any'])).get('any') ?? '')?.epoch

  it('creates its tables and its own migration tables in the schema, never kysely_migration', async () => {
    const schema = `${database.schema}_fresh` // does not exist yet: migrate() creates it
    database.defer(() => database.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`))
    const store = postgresStore({ connectionString: database.url, schema, notify: false })
    database.defer(() => store.close())
    await store.migrate()
    expect(await tablesIn(schema)).toEqual([
      'durable_sse_events',
      'durable_sse_meta',
      'durable_sse_migration',
      'durable_sse_migration_lock',
      'durable_sse_pruned',
      'durable_sse_streams',
    ])
    const [applied] = await database.query<{ name: string }>(`SELECT name FROM "${schema}".durable_sse_migration`)
    expect(applied?.name).toBe('0001_create_tables')
  })

  it('is idempotent, also when several processes migrate at once, with one epoch for the database', async () => {
    const prefix = 'concurrent_'
    const stores = [1, 2, 3, 4].map(() =>
      postgresStore({ connectionString: database.url, schema: database.schema, tablePrefix: prefix, notify: false }),
    )
    for (const store of stores) database.defer(() => store.close())
    await Promise.all(stores.map((store) => store.migrate()))
    await stores[0]?.migrate()
    const epochs = new Set(await Promise.all(stores.map(epochOf)))
    expect(epochs.size).toBe(1)
    expect([...epochs][0]).toMatch(/^[0-9a-z]{8}$/)
    const rows = await database.query(`SELECT * FROM "${database.schema}".${prefix}meta`)
    expect(rows).toHaveLength(1)
    const migrations = await database.query<{ name: string }>(`SELECT * FROM "${database.schema}".${prefix}migration`)
    expect(migrations.map((row) => row.name).sort()).toEqual([
      '0001_create_tables',
      '0002_add_trace_context',
      '0003_record_timeline',
    ])
  })

  it('keeps data and epoch across migrate() calls; another prefix is another log', async () => {
    const store = await database.store({ notify: false, tablePrefix: 'keep_' })
    const topic = uniqueTopic()
    const [written] = await store.append([{ topic, type: 't', data: '1' }])
    await store.migrate()
    expect(await epochOf(store)).toBe(parseEventId(written?.id ?? '')?.epoch)
    expect((await store.heads([topic])).get(topic)).toBe(written?.id)

    const other = await database.store({ notify: false, tablePrefix: 'keep_other_' })
    expect((await other.heads([topic])).get(topic)).toMatch(/\.0$/)
    expect(await epochOf(other)).not.toBe(await epochOf(store))
    expect(await tablesIn(database.schema)).not.toContain('kysely_migration')
  })
})
