/**
 * Loads the `pg` driver on first use, so importing `durable-sse/postgres` costs nothing until a
 * store needs a pool or a LISTEN client of its own.
 * @module
 */
import type { PostgresClientConfig, PostgresPoolLike } from './postgres-store-config.js'

/** The subset of a `pg.Client` the LISTEN connection uses. */
export interface PgClientLike {
  /** Opens the connection. */
  connect(): Promise<void>
  /** Runs one statement. */
  query(text: string): Promise<unknown>
  /** Closes the connection. */
  end(): Promise<void>
  /** `'notification'`, `'error'` and `'end'` events. */
  on(event: 'notification', listener: (message: { channel: string; payload?: string }) => void): unknown
  on(event: 'error', listener: (error: Error) => void): unknown
  on(event: 'end', listener: () => void): unknown
  /** Removes every listener. */
  removeAllListeners(): unknown
  /** `pg`'s connection; its socket is destroyed when `end()` gets no answer. */
  connection?: { stream?: { destroy?(): void } }
}

/** The parts of the `pg` module the adapter constructs. */
export interface PgModule {
  /** `pg.Pool`. */
  Pool: new (
    config: PostgresClientConfig,
  ) => PostgresPoolLike
  /** `pg.Client`. */
  Client: new (
    config: PostgresClientConfig,
  ) => PgClientLike
}

let loading: Promise<PgModule> | undefined

/** Imports `pg` once; rejects with an install hint when it is missing. */
export function loadPg(): Promise<PgModule> {
  loading ??= import('pg').then(
    (module: { default?: unknown }) => (module.default ?? module) as PgModule,
    (cause: unknown) => {
      loading = undefined
      throw new Error("durable-sse/postgres needs the 'pg' package: npm install pg", { cause })
    },
  )
  return loading
}
