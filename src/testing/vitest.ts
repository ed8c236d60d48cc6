/**
 * `durable-sse/testing/vitest`: the conformance suite as one vitest `describe` block. This is the
 * only module of the kit that imports vitest (an optional peer dependency); `durable-sse/testing`
 * itself runs without it. `describe` and `it` are imported at the top, because vitest collects
 * tests synchronously when the test file loads.
 * @module
 */
import { describe, it } from 'vitest'
import { runEventStoreCase, selectEventStoreCases } from './run.js'
import type { MakeEventStore, RunOptions, SelectOptions } from './types.js'

/** Options of {@link describeEventStore}. */
export interface DescribeEventStoreOptions extends SelectOptions, RunOptions {
  /** Timeout of each case, in ms. Default 60,000. */
  timeoutMs?: number
}

/**
 * Declares a vitest `describe(name)` with one test per conformance case, named `"<id>: <title>"`.
 * Cases needing a capability the store lacks, or listed in `skip`, are declared skipped with the
 * reason in their name. `makeStore` is called once per case and must return a fresh, empty store.
 * @example
 * import { describeEventStore } from 'durable-sse/testing/vitest'
 *
 * describeEventStore('myStore', async () => {
 *   const store = myStore({ filename: freshFile() })
 *   await store.migrate()
 *   return { store, withTransaction: (body) => db.transaction().execute(body) }
 * }, { capabilities: ['transactions', 'atomic'] })
 */
export function describeEventStore(name: string, makeStore: MakeEventStore, options: DescribeEventStoreOptions = {}): void {
  const { run, skipped } = selectEventStoreCases(options)
  const timeoutMs = options.timeoutMs ?? 60_000
  describe(name, () => {
    for (const testCase of run) {
      it(`${testCase.id}: ${testCase.title}`, () => runEventStoreCase(testCase, makeStore, options), timeoutMs)
    }
    for (const { case: testCase, reason } of skipped) {
      it.skip(`${testCase.id} [${reason}]`, () => {})
    }
  })
}
