/**
 * The conformance suite for a SQL store on a real server: each case gets fresh tables (its own
 * `tablePrefix`, so its own epoch), transactions run on the app's own Kysely over its own pool.
 */
import type { Kysely } from 'kysely'
import type { EventStore } from '../../src/store.js'
import type { StoreCapability, StoreHandle } from '../../src/testing/index.js'
import { describeEventStore } from '../../src/testing/vitest.js'

/** The test's transactions touch no table of their own. */
type AnyTables = Record<string, never>

/** Runs the suite on `name`'s stores: `storeOn(tablePrefix)` opens one (its own pool, like another process's). */
export function describeSqlConformance(
  name: string,
  storeOn: (tablePrefix: string) => EventStore & { migrate(): Promise<void> },
  newApp: () => Kysely<AnyTables>,
  capabilities: StoreCapability[],
): void {
  let tables = 0
  let app: Kysely<AnyTables> | undefined

  /** A migrated store on fresh tables. */
  const openStore = async (): Promise<StoreHandle & { tablePrefix: string }> => {
    const tablePrefix = `c${++tables}_`
    const store = storeOn(tablePrefix)
    await store.migrate()
    return { store, tablePrefix }
  }

  describeEventStore(
    name,
    async () => {
      const { store, tablePrefix } = await openStore()
      return {
        store,
        withTransaction(body) {
          app ??= newApp()
          return app.transaction().execute(body)
        },
        makeForeignStore: openStore,
        makePeerStore: async () => ({ store: storeOn(tablePrefix) }),
      }
    },
    { capabilities },
  )
}
