/**
 * The commit-order trap on MySQL / MariaDB (issue 22, acceptance 1): the scenario of
 * `postgres/helpers/many-processes.ts`, 4 writer processes with interleaved, slow and rolled-back
 * transactions and 3 subscriber processes; every committed event once, in each topic's commit
 * order, never a rolled-back one, all subscribers in the same order.
 */
import { it } from 'vitest'
import { createBroker } from '../../src/index.js'
import { describeMysql } from '../helpers/mysql.js'
import { manyProcesses } from '../postgres/helpers/many-processes.js'

describeMysql('mysql: many processes', (database) => {
  it('3 subscriber and 4 writer processes agree on every topic: exactly once, no rollback, commit order', async () => {
    const store = await database.store() // migrates the tables; its broker publishes the closing sentinels
    const broker = createBroker(store, { heartbeatMs: 0 })
    database.defer(() => broker.close())
    await manyProcesses({ base: { MYSQL_URL: database.url }, broker, defer: (cleanup) => database.defer(cleanup) })
  }, 90_000)
})
