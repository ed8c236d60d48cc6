/**
 * A test group that needs a database server: its own scratch space (a schema, a database) made
 * before the file's tests and dropped after them, with the cleanups registered meanwhile run in
 * between, last first. When no server answers, the group fails under `CI=true` and is skipped
 * loudly (with the reason in its name) otherwise.
 */
import { afterAll, beforeAll, describe, it } from 'vitest'

/** What {@link describeOnServer} needs. */
export interface ServerSuite {
  /** The group's name. */
  name: string
  /** The server's name, for messages (`'Postgres'`). */
  server: string
  /** Where it was looked for. */
  url: string
  /** Why it does not answer, or `undefined` when it does. */
  unavailable: string | undefined
  /** How to start it, for the skip message. */
  startHint: string
  /** Makes the scratch space (before the tests). */
  open(): Promise<void>
  /** Drops it (after the cleanups). */
  close(): Promise<void>
  /** Cleanups the tests register (run last first after the tests). */
  cleanups: Array<() => unknown>
  /** Registers the tests. */
  body(): void
}

let files = 0

/** A name unique to this run for a test group's scratch space: `dsse_<label>_<pid>_<n>_<random>`. */
export function scratchName(name: string): string {
  const label = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 24)
  return `dsse_${label}_${process.pid}_${files++}_${Math.random().toString(36).slice(2, 8)}`
}

/** Declares the group (see the module's comment). */
export function describeOnServer(suite: ServerSuite): void {
  const { name, server, unavailable } = suite
  if (unavailable !== undefined) {
    const reason = `no ${server} server at ${suite.url}: ${unavailable}`
    if (process.env.CI === 'true') {
      describe(name, () => {
        it(`needs a ${server} server (CI=true)`, () => {
          throw new Error(`${reason}. CI requires the server; start it with .ci/run.`)
        })
      })
      return
    }
    console.warn(`\n!!! SKIPPING ${server} tests "${name}": ${reason}\n!!! start it: ${suite.startHint}\n`)
    describe.skip(`${name} [SKIPPED: ${reason}]`, suite.body)
    return
  }
  describe(name, () => {
    beforeAll(() => suite.open())
    afterAll(async () => {
      // Everything is released and the scratch space dropped even when a cleanup fails; then the failure is reported.
      const failures: unknown[] = []
      for (const cleanup of suite.cleanups.reverse())
        await Promise.resolve()
          .then(cleanup)
          .catch((error) => failures.push(error))
      await suite.close()
      if (failures.length > 0) throw failures[0]
    })
    suite.body()
  })
}
