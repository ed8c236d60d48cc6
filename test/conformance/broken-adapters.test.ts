/**
 * The conformance cases can fail: each deliberately broken adapter fails exactly the cases named
 * for its defect, each with an `AssertionError` (not a crash or a timeout), and passes the rest.
 */
import { AssertionError } from 'node:assert'
import { describe, expect, it } from 'vitest'
import { runEventStoreCase, selectEventStoreCases } from '../../src/testing/index.js'
import { brokenAdapters } from './broken-adapters.js'

describe('broken adapters fail the named conformance cases', () => {
  it.each(brokenAdapters)('$defect', async ({ make, capabilities, fails }) => {
    const failed: string[] = []
    for (const testCase of selectEventStoreCases({ capabilities }).run) {
      try {
        await runEventStoreCase(testCase, make, { waitMs: 300 })
      } catch (error) {
        expect(error, `${testCase.id} must fail with an AssertionError`).toBeInstanceOf(AssertionError)
        failed.push(testCase.id)
      }
    }
    expect(failed).toEqual(fails)
  })
})
