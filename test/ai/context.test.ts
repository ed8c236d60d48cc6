/** `durable-sse/ai` semantics on the memory store and on SQLite (a real file). */
import { describe } from 'vitest'
import { sqliteStore } from '../../adapters/sqlite/index.js'
import { type EventStore, memoryStore } from '../../src/index.js'
import { useTempFiles } from '../helpers/sqlite.js'
import { contextCases } from './context-cases.js'

describe('durable-sse/ai on the memory store', () => {
  contextCases(async () => memoryStore())
})

describe('durable-sse/ai on SQLite', () => {
  const files = useTempFiles()
  contextCases(async (): Promise<EventStore> => {
    const store = sqliteStore({ filename: files.file('streams.db') })
    await store.migrate()
    files.defer(() => store.close())
    return store
  })
})
