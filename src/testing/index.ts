/**
 * `durable-sse/testing`: the conformance kit for `EventStore` adapters. The contract's cases are
 * written with `node:assert/strict` and need no test runner: pick them with
 * {@link selectEventStoreCases} and run each with {@link runEventStoreCase} from node:test, mocha,
 * jest or a plain script. Vitest users import `describeEventStore` from `durable-sse/testing/vitest`
 * instead (a separate entry, so this one loads without vitest installed).
 *
 * A store passes when every case its capabilities allow passes. Case ids are stable; see
 * {@link EventStoreCaseId} and the README section "Writing an adapter".
 * @example
 * import { test } from 'node:test'
 * import { runEventStoreCase, selectEventStoreCases } from 'durable-sse/testing'
 *
 * const makeStore = async () => {
 *   const store = myStore({ filename: freshFile() })
 *   return { store, makeForeignStore: async () => ({ store: myStore({ filename: freshFile() }) }) }
 * }
 * for (const testCase of selectEventStoreCases({ capabilities: ['foreign-ids'] }).run) {
 *   test(testCase.id, () => runEventStoreCase(testCase, makeStore))
 * }
 * @module
 */
export { eventStoreCases } from './cases.js'
export { runEventStoreCase, selectEventStoreCases } from './run.js'
export type {
  CaseContext,
  CaseSelection,
  EventStoreCase,
  EventStoreCaseId,
  EventStoreFixture,
  MakeEventStore,
  RunOptions,
  SelectOptions,
  SkippedCase,
  StoreCapability,
  StoreHandle,
} from './types.js'
