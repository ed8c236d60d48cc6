/** `durable-sse/ai` semantics on Postgres (the real server, a schema of this file's own). */
import { describePostgres } from '../helpers/postgres.js'
import { contextCases } from './context-cases.js'

describePostgres('durable-sse/ai on Postgres', (database) => {
  contextCases(() => database.store({ poolConfig: { max: 6 } }))
})
