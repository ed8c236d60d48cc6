/** The memory store passes the conformance suite (it has no transactions, atomicity checks or wake-ups; it lists changed topics). */
import { memoryStore } from '../../src/index.js'
import { describeEventStore } from '../../src/testing/vitest.js'

describeEventStore('memoryStore', () => ({ store: memoryStore(), makeForeignStore: async () => ({ store: memoryStore() }) }), {
  capabilities: ['foreign-ids', 'changes'],
})
