/** The stores every broker-level test runs against: each test file loops over them (as Kysely's tests loop over dialects). */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sqliteStore } from '../../adapters/sqlite/index.js'
import { type EventStore, memoryStore } from '../../src/index.js'

/** A store made for one test, and how to dispose of it. */
export interface TestStore {
  store: EventStore
  dispose(): Promise<void>
}

/** A named way to make a fresh store. */
export interface StoreKind {
  name: string
  make(): Promise<TestStore>
}

/** A fresh temporary directory, removed by the returned function. */
export function tempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'durable-sse-'))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Memory and SQLite (a real file in a temp dir). */
export const storeKinds: StoreKind[] = [
  {
    name: 'memory',
    async make() {
      const store = memoryStore()
      return { store, dispose: () => store.close() }
    },
  },
  {
    name: 'sqlite',
    async make() {
      const temp = tempDir()
      const store = sqliteStore({ filename: join(temp.dir, 'events.db') })
      await store.migrate()
      return {
        store,
        async dispose() {
          await store.close()
          temp.remove()
        },
      }
    },
  },
]
