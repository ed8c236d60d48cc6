/**
 * Acceptance 3 on Postgres: a Drizzle node-postgres transaction and a `pg` client after `BEGIN`.
 */
import { sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/node-postgres'
import { Kysely, PostgresDialect } from 'kysely'
import type pg from 'pg'
import { describePostgres } from '../helpers/postgres.js'
import { pgBroker } from '../postgres/helpers/broker.js'
import { callerTransactionCases } from './cases.js'

/** Thrown inside a Drizzle transaction to roll it back. */
class RollBack extends Error {}

describePostgres('caller transactions: postgres', (database) => {
  let pool: pg.Pool | undefined
  const appPool = async (): Promise<pg.Pool> => {
    if (pool === undefined) {
      pool = database.newPool({ max: 3 })
      await pool.query(`CREATE TABLE IF NOT EXISTS "${database.schema}".app_rows (id text PRIMARY KEY)`)
    }
    return pool
  }
  const table = () => sql.raw(`"${database.schema}".app_rows`)

  callerTransactionCases({
    broker: async () => (await pgBroker(database)).broker,
    rowExists: async (id) =>
      (await (await appPool()).query(`SELECT 1 FROM "${database.schema}".app_rows WHERE id = $1`, [id])).rowCount === 1,
    kinds: [
      {
        name: 'Drizzle node-postgres',
        async run(id, event, commit) {
          const db = drizzle(await appPool())
          await db
            .transaction(async (tx) => {
              await tx.execute(sql`INSERT INTO ${table()} (id) VALUES (${id})`)
              await event.publish(tx)
              if (!commit) throw new RollBack()
            })
            .catch((error: unknown) => {
              if (!(error instanceof RollBack)) throw error
            })
        },
      },
      {
        name: 'pg client after BEGIN',
        async run(id, event, commit) {
          const client = await (await appPool()).connect()
          try {
            await client.query('BEGIN')
            await client.query(`INSERT INTO "${database.schema}".app_rows (id) VALUES ($1)`, [id])
            await event.publish(client)
            await client.query(commit ? 'COMMIT' : 'ROLLBACK')
          } finally {
            client.release()
          }
        },
      },
    ],
    async notTransactions() {
      const app = await appPool()
      const idle = await app.connect()
      database.defer(() => idle.release())
      const kysely = new Kysely<any>({ dialect: new PostgresDialect({ pool: app }) })
      return [
        ['a pg Pool', app],
        ['a pg client outside a transaction', idle],
        ['a Kysely instance (not a Transaction)', kysely],
        ['a Drizzle database (not a transaction)', drizzle(app)],
        ['a plain object', {}],
        ['a string', 'BEGIN'],
      ]
    },
  })
})
