/**
 * The Postgres store passes the whole conformance suite against a real server. Each case gets
 * fresh tables (its own `tablePrefix` in this file's schema, so its own epoch and NOTIFY channel);
 * transactions run on the app's own Kysely over its own pool.
 */
import { Kysely, PostgresDialect } from 'kysely'
import { postgresStore } from '../../adapters/postgres/index.js'
import type { StoreHandle } from '../../src/testing/index.js'
import { describeEventStore } from '../../src/testing/vitest.js'
import { describePostgres } from '../helpers/postgres.js'

/** The test's transactions touch no table of their own. */
type AnyTables = Record<string, never>

describePostgres('postgres conformance', (database) => {
  let tables = 0
  let app: Kysely<AnyTables> | undefined

  /** A store on the tables with `tablePrefix` (its own pool, like another process's). */
  const storeOn = (tablePrefix: string) =>
    postgresStore({ connectionString: database.url, schema: database.schema, tablePrefix, listenerHeartbeatMs: 2_000 })

  /** A migrated store on fresh tables. */
  const openStore = async (): Promise<StoreHandle & { tablePrefix: string }> => {
    const tablePrefix = `c${++tables}_`
    const store = storeOn(tablePrefix)
    await store.migrate()
    return { store, tablePrefix }
  }

  describeEventStore(
    'postgresStore',
    async () => {
      const { store, tablePrefix } = await openStore()
      return {
        store,
        withTransaction(body) {
          app ??= new Kysely<AnyTables>({ dialect: new PostgresDialect({ pool: database.newPool({ max: 12 }) }) })
          return app.transaction().execute(body)
        },
        makeForeignStore: openStore,
        makePeerStore: async () => ({ store: storeOn(tablePrefix) }),
      }
    },
    { capabilities: ['transactions', 'atomic', 'wake', 'foreign-ids', 'shared', 'snapshot'] },
  )
})
