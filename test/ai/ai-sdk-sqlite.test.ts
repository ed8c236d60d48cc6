/** `durable-sse/ai` under the AI SDK on SQLite: a real file, shared with a producer process. */
import { describe } from 'vitest'
import { sqliteStore } from '../../adapters/sqlite/index.js'
import { useTempFiles } from '../helpers/sqlite.js'
import { aiSdkCases } from './ai-sdk-cases.js'

describe('durable-sse/ai with the AI SDK, on SQLite', () => {
  const files = useTempFiles()
  aiSdkCases({
    async store() {
      const store = sqliteStore({ filename: files.file('chat.db') })
      await store.migrate()
      files.defer(() => store.close())
      return store
    },
    spec: () => ({ kind: 'sqlite', filename: files.file('chat.db') }),
    defer: files.defer,
  })
})
