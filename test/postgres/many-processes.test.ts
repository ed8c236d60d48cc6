/**
 * DESIGN invariants 1, 2 and 5 across processes on Postgres: the scenario of
 * `helpers/many-processes.ts` (3 subscriber and 4 writer processes, lingering and rolled-back
 * transactions).
 */
import { it } from 'vitest'
import { describePostgres } from '../helpers/postgres.js'
import { pgBroker } from './helpers/broker.js'
import { manyProcesses } from './helpers/many-processes.js'

describePostgres('broker: many processes', (database) => {
  it('3 subscriber and 4 writer processes agree on every topic: exactly once, no rollback, commit order', async () => {
    const { broker } = await pgBroker(database) // migrates the schema; publishes the closing sentinels
    await manyProcesses({
      base: { DATABASE_URL: database.url, SCHEMA: database.schema },
      broker,
      defer: (cleanup) => database.defer(cleanup),
    })
  }, 90_000)
})
