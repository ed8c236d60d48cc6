/**
 * Opens the store a benchmark process runs durable-sse on: memory, a SQLite file, or a Postgres
 * schema, described by a plain (IPC-friendly) configuration.
 * @module
 */
import type { EventStore } from '../../src/index.js'
import { loadOurs } from './ours.js'

/** Which store to open. */
export type StoreConfig =
  | { kind: 'memory' }
  | { kind: 'sqlite'; filename: string; dataVersionIntervalMs?: number }
  | { kind: 'postgres'; connectionString: string; schema: string; notify: boolean }

/** Opens (and migrates) the store; the memory store comes from the experimental copy when asked. */
export async function openStore(config: StoreConfig, experimental?: string): Promise<EventStore> {
  if (config.kind === 'memory') return (await loadOurs(experimental)).memoryStore()
  if (config.kind === 'sqlite') {
    const { sqliteStore } = await import('../../adapters/sqlite/index.js')
    const store = sqliteStore({ filename: config.filename, dataVersionIntervalMs: config.dataVersionIntervalMs })
    await store.migrate()
    return store
  }
  const { postgresStore } = await import('../../adapters/postgres/index.js')
  const store = postgresStore({
    connectionString: config.connectionString,
    schema: config.schema,
    notify: config.notify,
    onError: () => {},
  })
  await store.migrate()
  return store
}

/** A one-word label of a store configuration. */
export function storeLabel(config: StoreConfig): string {
  return config.kind === 'postgres' ? `postgres${config.notify ? '' : '-poll'}` : config.kind
}
