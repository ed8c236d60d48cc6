/**
 * Acceptance 3 on MariaDB / MySQL: a Drizzle mysql2 transaction, a `mysql2` connection after
 * `beginTransaction()` (promise API and callback API), and a Kysely transaction for comparison.
 */
import { sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/mysql2'
import { Kysely, MysqlDialect } from 'kysely'
import type mysql from 'mysql2'
import { createBroker } from '../../src/index.js'
import { describeMysql } from '../helpers/mysql.js'
import { callerTransactionCases } from './cases.js'

/** Thrown inside a transaction function to roll it back. */
class RollBack extends Error {}

/** Runs `body` and swallows the {@link RollBack} it throws on purpose. */
const rollingBack = (body: Promise<unknown>): Promise<unknown> =>
  body.catch((error: unknown) => {
    if (!(error instanceof RollBack)) throw error
  })

describeMysql('caller transactions: mysql', (database) => {
  let pool: mysql.Pool | undefined
  const appPool = async (): Promise<mysql.Pool> => {
    if (pool === undefined) {
      pool = database.newPool({ connectionLimit: 3 })
      await pool.promise().query('CREATE TABLE IF NOT EXISTS app_rows (id VARCHAR(40) PRIMARY KEY)')
    }
    return pool
  }

  callerTransactionCases({
    async broker() {
      const broker = createBroker(await database.store(), { heartbeatMs: 0 })
      database.defer(() => broker.close())
      return broker
    },
    rowExists: async (id) => {
      const [rows] = await (await appPool()).promise().query('SELECT 1 FROM app_rows WHERE id = ?', [id])
      return (rows as unknown[]).length === 1
    },
    kinds: [
      {
        name: 'Drizzle mysql2',
        async run(id, event, commit) {
          const db = drizzle({ client: await appPool() })
          await rollingBack(
            db.transaction(async (tx) => {
              await tx.execute(sql`INSERT INTO app_rows (id) VALUES (${id})`)
              await event.publish(tx)
              if (!commit) throw new RollBack()
            }),
          )
        },
      },
      {
        name: 'mysql2 promise connection after beginTransaction()',
        async run(id, event, commit) {
          const connection = await (await appPool()).promise().getConnection()
          try {
            await connection.beginTransaction()
            await connection.query('INSERT INTO app_rows (id) VALUES (?)', [id])
            await event.publish(connection)
            await (commit ? connection.commit() : connection.rollback())
          } finally {
            connection.release()
          }
        },
      },
      {
        name: 'mysql2 callback connection after beginTransaction()',
        async run(id, event, commit) {
          const connection = await new Promise<mysql.PoolConnection>((resolve, reject) =>
            pool?.getConnection((error, got) => (error ? reject(error) : resolve(got))),
          )
          try {
            const promised = connection.promise()
            await promised.beginTransaction()
            await promised.query('INSERT INTO app_rows (id) VALUES (?)', [id])
            await event.publish(connection)
            await (commit ? promised.commit() : promised.rollback())
          } finally {
            connection.release()
          }
        },
      },
      {
        name: 'Kysely',
        async run(id, event, commit) {
          const db = new Kysely<any>({ dialect: new MysqlDialect({ pool: await appPool() }) })
          await rollingBack(
            db.transaction().execute(async (trx) => {
              await trx.insertInto('app_rows').values({ id }).execute()
              await event.publish(trx)
              if (!commit) throw new RollBack()
            }),
          )
        },
      },
    ],
    async notTransactions() {
      const app = await appPool()
      const idle = await app.promise().getConnection()
      database.defer(() => idle.release())
      return [
        ['a mysql2 pool', app],
        ['a mysql2 promise pool', app.promise()],
        ['a mysql2 connection outside a transaction', idle],
        ['a Drizzle database (not a transaction)', drizzle({ client: app })],
        ['a plain object', {}],
      ]
    },
  })
})
