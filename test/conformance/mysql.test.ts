/**
 * The MySQL store passes the whole conformance suite against a real MariaDB (or MySQL) server.
 * Each case gets fresh tables (its own `tablePrefix` in this file's database, so its own epoch);
 * transactions run on the app's own Kysely over its own pool.
 */
import { Kysely, MysqlDialect } from 'kysely'
import { mysqlStore } from '../../adapters/mysql/index.js'
import { describeMysql } from '../helpers/mysql.js'
import { describeSqlConformance } from '../helpers/sql-conformance.js'

describeMysql('mysql conformance', (database) => {
  describeSqlConformance(
    'mysqlStore',
    (tablePrefix) => mysqlStore({ uri: database.url, tablePrefix }),
    () => new Kysely({ dialect: new MysqlDialect({ pool: database.newPool({ connectionLimit: 12 }) }) }),
    ['transactions', 'atomic', 'wake', 'foreign-ids', 'shared', 'changes', 'snapshot'],
  )
})
