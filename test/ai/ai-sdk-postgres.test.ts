/** `durable-sse/ai` under the AI SDK on Postgres: the real server, a schema shared with a producer process. */
import { describePostgres } from '../helpers/postgres.js'
import { aiSdkCases } from './ai-sdk-cases.js'

describePostgres('durable-sse/ai with the AI SDK, on Postgres', (database) => {
  aiSdkCases({
    store: () => database.store({ poolConfig: { max: 6 } }),
    spec: () => ({ kind: 'postgres', url: database.url, schema: database.schema }),
    defer: database.defer,
  })
})
