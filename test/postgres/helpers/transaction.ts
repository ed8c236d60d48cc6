/** Transactions a test holds open on purpose, rolled back at the end of the file if a failure left them open. */
import type { ControlledTransaction, Kysely } from 'kysely'
import type { PostgresTestDatabase } from '../../helpers/postgres.js'

/**
 * Starts a transaction on `db`. The file's cleanup starts its rollback without waiting for it: a
 * transaction queued behind another one's lock can only end once that one ends, so the rollbacks
 * must run side by side; destroying `db` afterwards waits for them.
 */
export async function heldTransaction<DB>(database: PostgresTestDatabase, db: Kysely<DB>): Promise<ControlledTransaction<DB>> {
  const trx = await db.startTransaction().execute()
  database.defer(() => {
    void Promise.resolve()
      .then(() => trx.rollback().execute())
      .catch(() => {}) // already committed or rolled back: nothing to do
  })
  return trx
}
