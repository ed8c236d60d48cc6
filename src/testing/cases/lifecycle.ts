/**
 * Conformance cases of the store's lifecycle.
 * @module
 */
import assert from 'node:assert/strict'
import { drafts } from '../case-helpers.js'
import type { EventStoreCase } from '../types.js'

/** The lifecycle cases. */
export const lifecycleCases: readonly EventStoreCase[] = [
  {
    id: 'close-idempotent',
    title: 'close() resolves, and resolves again when called twice (or at once)',
    requires: [],
    async run({ store, topic }) {
      await store.append(drafts(topic('a'), 1))
      await assert.doesNotReject(Promise.all([store.close(), store.close()]), 'close() called twice at once')
      await assert.doesNotReject(store.close(), 'close() called again after it resolved')
    },
  },
]
