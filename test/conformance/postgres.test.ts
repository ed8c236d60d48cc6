/**
 * The Postgres store passes the whole conformance suite against a real server. Each case gets
 * fresh tables (its own `tablePrefix` in this file's schema, so its own epoch and NOTIFY channel);
 * transactions run on the app's own Kysely over its own pool.
 */
import { Kysely, PostgresDialect } from 'kysely'
import { postgresStore } from '../../adapters/postgres/index.js'
import { describePostgres } from '../helpers/postgres.js'
import { describeSqlConformance } from '../helpers/sql-conformance.js'

describePostgres('postgres conformance', (database) => {
  describeSqlConformance(
    'postgresStore',
    (tablePrefix) =>
      postgresStore({ connectionString: database.url, schema: database.schema, tablePrefix, listenerHeartbeatMs: 2_000 }),
    () => new Kysely({ dialect: new PostgresDialect({ pool: database.newPool({ max: 12 }) }) }),
    ['transactions', 'atomic', 'wake', 'foreign-ids', 'shared', 'snapshot'],
  )
})
