/**
 * The MySQL store passes the whole conformance suite against a real MariaDB (or MySQL) server.
 * Each case gets fresh tables (its own `tablePrefix` in this file's database, so its own epoch);
 * transactions run on the app's own Kysely over its own pool.
 */
import { Kysely, MysqlDialect } from 'kysely'
import { mysqlStore } from '../../adapters/mysql/index.js'
import type { StoreHandle } from '../../src/testing/index.js'
import { describeEventStore } from '../../src/testing/vitest.js'
import { describeMysql } from '../helpers/mysql.js'

/** The test's transactions touch no table of their own. */
type AnyTables = Record<string, never>

describeMysql('mysql conformance', (database) => {
  let tables = 0
  let app: Kysely<AnyTables> | undefined

  /** A store on the tables with `tablePrefix` (its own pool, like another process's). */
  const storeOn = (tablePrefix: string) => mysqlStore({ uri: database.url, tablePrefix })

  /** A migrated store on fresh tables. */
  const openStore = async (): Promise<StoreHandle & { tablePrefix: string }> => {
    const tablePrefix = `c${++tables}_`
    const store = storeOn(tablePrefix)
    await store.migrate()
    return { store, tablePrefix }
  }

  describeEventStore(
    'mysqlStore',
    async () => {
      const { store, tablePrefix } = await openStore()
      return {
        store,
        withTransaction(body) {
          app ??= new Kysely<AnyTables>({ dialect: new MysqlDialect({ pool: database.newPool({ connectionLimit: 12 }) }) })
          return app.transaction().execute(body)
        },
        makeForeignStore: openStore,
        makePeerStore: async () => ({ store: storeOn(tablePrefix) }),
      }
    },
    { capabilities: ['transactions', 'atomic', 'wake', 'foreign-ids', 'shared', 'changes', 'snapshot'] },
  )
})
