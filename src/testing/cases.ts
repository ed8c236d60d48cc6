/**
 * Every conformance case of the `EventStore` contract, in one list with stable ids.
 * @module
 */
import { appendCases } from './cases/append.js'
import { changesCases } from './cases/changes.js'
import { concurrencyCases } from './cases/concurrency.js'
import { headsCases } from './cases/heads.js'
import { idCases } from './cases/ids.js'
import { lifecycleCases } from './cases/lifecycle.js'
import { readCases } from './cases/read.js'
import { resumeCases } from './cases/resume.js'
import { retentionCases } from './cases/retention.js'
import { sharedCases } from './cases/shared.js'
import { snapshotCases } from './cases/snapshot.js'
import { transactionCases } from './cases/transactions.js'
import { wakeCases } from './cases/wake.js'
import type { EventStoreCase } from './types.js'

/**
 * The cases of the `EventStore` contract, each with a stable `id`, a one-sentence `title` and the
 * capabilities it `requires`. Run one with {@link runEventStoreCase}.
 * @example
 * for (const testCase of eventStoreCases) console.log(testCase.id, testCase.requires)
 */
export const eventStoreCases: readonly EventStoreCase[] = Object.freeze([
  ...appendCases,
  ...readCases,
  ...headsCases,
  ...idCases,
  ...resumeCases,
  ...retentionCases,
  ...concurrencyCases,
  ...sharedCases,
  ...transactionCases,
  ...wakeCases,
  ...changesCases,
  ...snapshotCases,
  ...lifecycleCases,
])
