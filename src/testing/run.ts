/**
 * Running conformance cases: pick the ones a store's capabilities allow, and run one case on a
 * fresh fixture, disposing of it afterwards whatever happens.
 * @module
 */
import { eventStoreCases } from './cases.js'
import { disposeHandle } from './hooks.js'
import type {
  CaseContext,
  CaseSelection,
  EventStoreCase,
  MakeEventStore,
  RunOptions,
  SelectOptions,
  SkippedCase,
  StoreCapability,
} from './types.js'

const CAPABILITIES: readonly StoreCapability[] = [
  'transactions',
  'atomic',
  'wake',
  'foreign-ids',
  'shared',
  'changes',
  'snapshot',
]

/** Default longest wait for an expected signal, in ms. */
const DEFAULT_WAIT_MS = 10_000

let runs = 0

/**
 * Splits {@link eventStoreCases} into the cases to run and the skipped ones (with the reason), for
 * a store with `capabilities`. Throws a `TypeError` for an unknown capability or case id in `skip`.
 * @example
 * // node:test, no vitest needed
 * import { test } from 'node:test'
 * const { run } = selectEventStoreCases({ capabilities: ['atomic'] })
 * for (const testCase of run) test(testCase.id, () => runEventStoreCase(testCase, makeStore))
 */
export function selectEventStoreCases(options: SelectOptions = {}): CaseSelection {
  const capabilities = new Set(options.capabilities ?? [])
  for (const capability of capabilities) {
    if (!CAPABILITIES.includes(capability)) {
      throw new TypeError(`unknown capability ${JSON.stringify(capability)}; known: ${CAPABILITIES.join(', ')}`)
    }
  }
  const skip = new Set<string>(options.skip ?? [])
  for (const id of skip) {
    if (!eventStoreCases.some((testCase) => testCase.id === id))
      throw new TypeError(`unknown case id ${JSON.stringify(id)} in skip`)
  }
  const run: EventStoreCase[] = []
  const skipped: SkippedCase[] = []
  for (const testCase of eventStoreCases) {
    const missing = testCase.requires.filter((capability) => !capabilities.has(capability))
    if (skip.has(testCase.id)) skipped.push({ case: testCase, reason: 'skipped' })
    else if (missing.length > 0) skipped.push({ case: testCase, reason: `needs ${missing.join(', ')}` })
    else run.push(testCase)
  }
  return { run, skipped }
}

/**
 * Runs one case on a fresh fixture from `makeStore`, then runs the case's cleanups and disposes of
 * the fixture (even when the case fails). Rejects with the case's `AssertionError` when the store
 * breaks the contract; any runner that fails a test on a rejected promise can use it.
 * @example
 * import { eventStoreCases, runEventStoreCase } from 'durable-sse/testing'
 * for (const testCase of eventStoreCases.filter((c) => c.requires.length === 0)) {
 *   await runEventStoreCase(testCase, async () => ({ store: myStore() }))
 * }
 */
export async function runEventStoreCase(
  testCase: EventStoreCase,
  makeStore: MakeEventStore,
  options: RunOptions = {},
): Promise<void> {
  const fixture = await makeStore()
  if (typeof fixture?.store?.append !== 'function') {
    throw new TypeError('makeStore() must return { store } with an EventStore')
  }
  const prefix = `t${(++runs).toString(36)}${Math.random().toString(36).slice(2, 8)}-`
  const cleanups: (() => unknown)[] = []
  const context: CaseContext = {
    store: fixture.store,
    fixture,
    topic: (label) => prefix + label,
    waitMs: options.waitMs ?? DEFAULT_WAIT_MS,
    defer: (cleanup) => {
      cleanups.push(cleanup)
    },
  }
  let failure: { error: unknown } | undefined
  try {
    await testCase.run(context)
  } catch (error) {
    failure = { error }
  }
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup()
    } catch (error) {
      failure ??= { error }
    }
  }
  try {
    await disposeHandle(fixture)
  } catch (error) {
    failure ??= { error }
  }
  if (failure) throw failure.error
}
