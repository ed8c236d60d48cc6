/** `durable-sse/ai` semantics on the memory store and on SQLite (a real file). */
import { join } from 'node:path'
import { afterEach, describe } from 'vitest'
import { sqliteStore } from '../../adapters/sqlite/index.js'
import { type EventStore, memoryStore } from '../../src/index.js'
import { tempDir } from '../helpers/stores.js'
import { contextCases } from './context-cases.js'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

describe('durable-sse/ai on the memory store', () => {
  contextCases(async () => memoryStore())
})

describe('durable-sse/ai on SQLite', () => {
  contextCases(async (): Promise<EventStore> => {
    const temp = tempDir()
    const store = sqliteStore({ filename: join(temp.dir, 'streams.db') })
    await store.migrate()
    cleanups.push(temp.remove, () => store.close())
    return store
  })
})
