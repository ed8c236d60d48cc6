/**
 * Opens the store a benchmark process runs durable-sse on: memory, a SQLite file, a Postgres
 * schema or a MySQL database, described by a plain (IPC-friendly) configuration.
 * @module
 */
import type { BrokerOptions, EventStore } from '../../src/index.js'
import { loadOurs } from './ours.js'

/** Which store to open. */
export type StoreConfig =
  | { kind: 'memory' }
  | { kind: 'sqlite'; filename: string; dataVersionIntervalMs?: number }
  | {
      kind: 'mysql'
      /** The URL of the run's database. */
      uri: string
      /** Largest pool (`mysql2`'s default is 10). */
      poolMax?: number
    }
  | {
      kind: 'postgres'
      connectionString: string
      schema: string
      notify: boolean
      /** `application_name` of the pool's connections (`<name>.listen` for the LISTEN client), to find their backends. */
      applicationName?: string
      /** Largest pool (default `pg`'s 10): many processes share the server's 100 connections with other suites. */
      poolMax?: number
      /** A NATS server's URL: the broker runs with `natsWake` on it (the bus carries the events). */
      bus?: string
      /** A streaming replica's URL: the store's `replica` option (catch-up pages, replays and polls read there). */
      replica?: string
    }

/** Opens (and migrates) the store; the memory store comes from the experimental copy when asked. */
export async function openStore(config: StoreConfig, experimental?: string): Promise<EventStore> {
  if (config.kind === 'memory') return (await loadOurs(experimental)).memoryStore()
  if (config.kind === 'sqlite') {
    const { sqliteStore } = await import('../../adapters/sqlite/index.js')
    const store = sqliteStore({ filename: config.filename, dataVersionIntervalMs: config.dataVersionIntervalMs })
    await store.migrate()
    return store
  }
  if (config.kind === 'mysql') {
    const { mysqlStore } = await import('../../adapters/mysql/index.js')
    const store = mysqlStore({ uri: config.uri, poolConfig: { connectionLimit: config.poolMax ?? 10 } })
    await store.migrate()
    return store
  }
  const { postgresStore } = await import('../../adapters/postgres/index.js')
  const { applicationName: name, connectionString } = config
  const store = postgresStore({
    connectionString,
    schema: config.schema,
    notify: config.notify,
    // Idle connections stay open, so no backend (and its CPU count) goes away in a measured window.
    poolConfig: { max: config.poolMax, idleTimeoutMillis: 0, ...(name && { application_name: name }) },
    ...(name && { listen: { connectionString, application_name: `${name}.listen` } }),
    ...(config.replica !== undefined && { replica: config.replica }),
    onError: () => {},
  })
  await store.migrate()
  return store
}

/** The broker options a store configuration asks for: `wake` on its NATS bus, if it names one. */
export async function busOptions(config: StoreConfig | undefined): Promise<Pick<BrokerOptions, 'wake'>> {
  if (config?.kind !== 'postgres' || config.bus === undefined) return {}
  const { natsWake } = await import('../../adapters/nats/index.js')
  return { wake: natsWake({ servers: config.bus }) }
}

/** A one-word label of a store configuration. */
export function storeLabel(config: StoreConfig): string {
  if (config.kind !== 'postgres') return config.kind
  return `postgres${config.notify ? '' : '-poll'}${config.bus ? '-bus' : ''}${config.replica ? '-replica' : ''}`
}
