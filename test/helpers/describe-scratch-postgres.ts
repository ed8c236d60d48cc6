/** A vitest group with a scratch PostgreSQL cluster of its own (`scratch-postgres.ts`). */
import { afterAll, beforeAll, describe, it } from 'vitest'
import {
  type ScratchPostgres,
  type ScratchPostgresOptions,
  scratchPostgresUnavailable,
  startScratchPostgres,
} from './scratch-postgres.js'

/**
 * Declares a test group with a scratch cluster of its own, started before its tests and removed
 * after them; `body` receives a getter (usable inside tests and hooks). Without the server
 * binaries the group fails under `CI=true` and is skipped loudly otherwise.
 */
export function describeScratchPostgres(
  name: string,
  options: ScratchPostgresOptions,
  body: (cluster: () => ScratchPostgres) => void,
): void {
  let current: ScratchPostgres | undefined
  const cluster = (): ScratchPostgres => {
    if (current === undefined) throw new Error('the scratch cluster is not running (use it inside tests)')
    return current
  }
  if (scratchPostgresUnavailable !== undefined) {
    if (process.env.CI === 'true') {
      describe(name, () => {
        it('needs the PostgreSQL server binaries (CI=true)', () => {
          throw new Error(`${scratchPostgresUnavailable}; .ci/run installs them`)
        })
      })
      return
    }
    console.warn(`\n!!! SKIPPING "${name}": ${scratchPostgresUnavailable}\n`)
    describe.skip(`${name} [SKIPPED: ${scratchPostgresUnavailable}]`, () => body(cluster))
    return
  }
  describe(name, () => {
    beforeAll(async () => {
      current = await startScratchPostgres(options)
    }, 60_000)
    afterAll(async () => {
      await current?.close()
    }, 60_000)
    body(cluster)
  })
}
