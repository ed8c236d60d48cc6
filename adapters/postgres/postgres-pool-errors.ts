/**
 * Connection errors of the store's pool, handled so that a dead connection fails only the queries
 * using it and never the process.
 *
 * Why a listener per client: `pg` emits `'error'` on a client whose connection fails, and an
 * `'error'` with no listener is an uncaught exception in Node. `pg.Pool` listens to a client only
 * while the client is idle in the pool; Kysely's `PostgresDriver` adds nothing when it checks one
 * out. So a connection that dies while checked out (a query in flight, a transaction between its
 * statements, or a new connection whose first answer and the server's 57P01 arrive in one read)
 * crashed the process on a server restart. With a listener, the query in flight rejects with the
 * driver's error, the failure goes to `onError`, and `pg.Pool` drops the client on release.
 * @module
 */
import type { PostgresPool, PostgresPoolClient } from 'kysely'
import { StoreUnavailableError } from '../../src/errors.js'
import { missedDeadline, type StatementDeadline } from './postgres-deadlines.js'
import type { PostgresPoolLike, PostgresStoreConfig } from './postgres-store-config.js'
import type { PreparedStatements } from './prepared-statements.js'

/** Reports a connection's failure; `client` (when known) makes it once per connection. */
export interface ReportConnectionError {
  (error: Error, client?: object): void
  /** Counts `client` as reported: its failures are not reported from now on (its death was expected). */
  silence(client: object): void
}

/** The part of a `pg` client that emits `'error'` (and `'end'`, once closed). */
interface ErrorEmitter {
  on(event: 'error', listener: (error: Error) => void): unknown
  removeListener(event: 'error', listener: (error: Error) => void): unknown
  once?(event: 'end', listener: () => void): unknown
}

/** Whether `value` can take an `'error'` listener. */
const emitsErrors = (value: unknown): value is ErrorEmitter =>
  typeof (value as Partial<ErrorEmitter>).on === 'function' &&
  typeof (value as Partial<ErrorEmitter>).removeListener === 'function'

/**
 * Sends connection failures to `onError` as `'pool'` errors, once per connection: a dying `pg`
 * client often emits twice (the server's 57P01, then "Connection terminated unexpectedly"), to its
 * own listener and to the pool's.
 */
export function connectionErrorReporter(config: PostgresStoreConfig): ReportConnectionError {
  const failed = new WeakSet<object>()
  const report = (error: Error, client?: object): void => {
    if (client !== undefined) {
      if (failed.has(client)) return
      failed.add(client)
    }
    config.onError(error, 'pool')
  }
  return Object.assign(report, { silence: (client: object) => void failed.add(client) })
}

/**
 * Handles every error of `pool`: the pool's own `'error'` (an idle client failed) and, from the
 * moment each new client connects (`'connect'` is emitted before anyone gets the client), that
 * client's. Returns the removal of every listener it added.
 */
export function guardPool(pool: PostgresPoolLike, report: ReportConnectionError): () => void {
  const guarded = new Map<ErrorEmitter, (error: Error) => void>()
  const onPoolError = (error: Error, client?: object): void => report(error, client)
  const onConnect = (client: object): void => {
    if (!emitsErrors(client)) return
    const onError = (error: Error): void => report(error, client)
    client.on('error', onError)
    guarded.set(client, onError)
    client.once?.('end', () => guarded.delete(client))
  }
  pool.on?.('error', onPoolError)
  pool.on?.('connect', onConnect)
  return () => {
    pool.off?.('error', onPoolError)
    pool.off?.('connect', onConnect)
    for (const [client, onError] of guarded) client.removeListener('error', onError)
    guarded.clear()
  }
}

/** Whether `error` ended its connection: the server says FATAL (or PANIC) before it closes a session. */
const endedTheSession = (error: unknown): boolean => {
  const severity = (error as { severity?: unknown } | null)?.severity
  return severity === 'FATAL' || severity === 'PANIC'
}

/**
 * The store's checkouts from `pool`. Each holds an `'error'` listener until it is released (for a
 * caller's pool whose owner handles its errors, {@link guardPool} is not applied; a new client is
 * reachable only once the pool hands it over, so a failure in the same read as its first answer
 * stays the owner's to handle, with `pool.on('connect', (client) => client.on('error', ...))`).
 * A client whose query failed with a FATAL error (reported like any connection failure), or missed
 * `deadline` (its connection destroyed), is released as broken: `pg` marks a client unusable only
 * once it reads the socket's end, which may come after the release, and `pg.Pool` would otherwise
 * hand the dead connection to the next query. A checkout that fails (no connection within the
 * pool's `connectionTimeoutMillis`, refused, unreachable) rejects with `StoreUnavailableError`.
 * `prepared` names the store's hottest statements.
 */
export function guardCheckouts(
  pool: PostgresPool,
  report: ReportConnectionError,
  deadline?: StatementDeadline,
  prepared?: PreparedStatements,
): PostgresPool {
  return {
    async connect(): Promise<PostgresPoolClient> {
      let client: PostgresPoolClient
      try {
        client = await pool.connect()
        // An idle client a missed deadline destroyed may be handed out before the pool notices.
        while (missedDeadline(client)) {
          client.release(true)
          client = await pool.connect()
        }
      } catch (cause) {
        const reason = cause instanceof Error ? cause.message : String(cause)
        throw new StoreUnavailableError(`durable-sse/postgres: no connection to the database: ${reason}`, { cause })
      }
      if (!emitsErrors(client)) return client
      const onError = (error: Error): void => report(error, client)
      client.on('error', onError)
      let broken = false
      const plain = client.query as (...args: unknown[]) => unknown
      const query = prepared === undefined ? plain : (...args: unknown[]) => prepared.run(client, plain, args)
      return {
        query: ((...args: unknown[]) => {
          const result = deadline ? deadline.run(client, query, args) : query.apply(client, args)
          if (result instanceof Promise) {
            result.catch((error: unknown) => {
              if (!endedTheSession(error)) return
              broken = true
              report(error as Error, client)
            })
          }
          return result
        }) as PostgresPoolClient['query'],
        release(destroy?: boolean): void {
          client.removeListener('error', onError) // pg.Pool adds its own in the same call
          client.release(destroy || broken || missedDeadline(client))
        },
      }
    },
    end: () => pool.end(),
  }
}
