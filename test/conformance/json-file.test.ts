/** An outsider's adapter over a plain JSON file passes the conformance suite (no transactions, no wake-ups). */
import { join } from 'node:path'
import type { StoreHandle } from '../../src/testing/index.js'
import { describeEventStore } from '../../src/testing/vitest.js'
import { tempDir } from '../helpers/stores.js'
import { jsonFileStore } from './json-file-adapter.js'

/** A store on a new file in a new temporary directory, removed on dispose. */
function openStore(): StoreHandle {
  const dir = tempDir()
  const store = jsonFileStore({ filename: join(dir.dir, 'events.json') })
  return {
    store,
    async dispose() {
      await store.close()
      dir.remove()
    },
  }
}

describeEventStore('jsonFileStore (outsider adapter)', () => ({ ...openStore(), makeForeignStore: async () => openStore() }), {
  capabilities: ['atomic', 'foreign-ids'],
})
