/**
 * Deadlines on the store's database calls. Across a partition a socket stays "open" and a
 * statement sent on it never gets an answer; `mysql2`'s pool also waits for a free connection
 * without any limit. So a checkout that gets no connection within `connectTimeoutMs` fails with
 * {@link StoreUnavailableError} (nothing was sent; the connection, if it comes later, goes back to
 * the pool), and a statement without an answer within `queryTimeoutMs` fails with
 * {@link StoreTimeoutError} and its connection is destroyed (the pool forgets it; every later
 * statement on it, a `ROLLBACK` included, fails at once with the same error). Both share the
 * core's coarse clock (`src/deadline.ts`), not a timer per call.
 * @module
 */
import type { MysqlPool, MysqlPoolConnection } from 'kysely'
import { Deadline } from '../../src/deadline.js'
import { StoreClosedError, StoreTimeoutError, StoreUnavailableError } from '../../src/errors.js'
import type { MysqlPoolConnectionLike, MysqlPoolLike } from './mysql-store-config.js'

/** The two deadlines of a store, in ms. */
export interface MysqlDeadlines {
  /** Longest wait for a connection. */
  connectTimeoutMs: number
  /** Longest wait for a statement's answer. */
  queryTimeoutMs: number
}

/** A connection whose statements run within the query deadline; one that missed it is destroyed. */
function guardConnection(raw: MysqlPoolConnectionLike, deadline: Deadline): MysqlPoolConnection {
  let missed: StoreTimeoutError | undefined
  const connection = {
    query(sql: string, parameters: unknown[], callback: (error: unknown, result: any) => void): void {
      if (missed !== undefined) {
        callback(missed, undefined)
        return
      }
      const answer = new Promise((resolve, reject) =>
        raw.query({ sql }, parameters, (error, result) => (error ? reject(error) : resolve(result))),
      )
      deadline
        .within(answer, () => {
          missed ??= new StoreTimeoutError('query', deadline.timeoutMs)
          raw.destroy()
          return missed
        })
        .then(
          (result) => callback(null, result),
          (error: unknown) => callback(error, undefined),
        )
    },
    release(): void {
      raw.release() // a destroyed connection is no longer the pool's: nothing happens
    },
  }
  return connection as unknown as MysqlPoolConnection
}

/** Why a checkout failed, as a {@link StoreUnavailableError}. */
const unavailable = (cause: unknown): StoreUnavailableError => {
  const reason = cause instanceof Error ? cause.message : String(cause)
  return new StoreUnavailableError(`durable-sse/mysql: no connection to the database: ${reason}`, { cause })
}

/**
 * Kysely's view of `pool` (made on first use) with both deadlines; without `deadlines` (the
 * migrations: DDL and the migration lock may take long), checkouts still fail typed. Once
 * `closed()`, every checkout fails with {@link StoreClosedError}.
 */
export function guardPool(
  pool: () => Promise<MysqlPoolLike>,
  deadlines?: MysqlDeadlines,
  closed: () => boolean = () => false,
): MysqlPool {
  const checkout = deadlines && new Deadline(deadlines.connectTimeoutMs)
  const query = deadlines && new Deadline(deadlines.queryTimeoutMs)
  return {
    getConnection(callback): void {
      if (closed()) {
        callback(new StoreClosedError('durable-sse/mysql'), undefined as unknown as MysqlPoolConnection)
        return
      }
      const connected = pool().then(
        (own) =>
          new Promise<MysqlPoolConnectionLike>((resolve, reject) =>
            own.getConnection((error, connection) => (error ? reject(error) : resolve(connection))),
          ),
      )
      const bounded = checkout
        ? checkout.within(connected, () => {
            void connected.then(
              (late) => late.release(),
              () => {},
            )
            return new StoreTimeoutError('connect', checkout.timeoutMs, 'deadline; no connection was free or could be opened')
          })
        : connected
      bounded.then(
        (raw) => callback(null, query ? guardConnection(raw, query) : (raw as unknown as MysqlPoolConnection)),
        (error: unknown) => callback(unavailable(error), undefined as unknown as MysqlPoolConnection),
      )
    },
    end(callback): void {
      pool().then(
        (own) => own.end(callback),
        (error: unknown) => callback(error),
      )
    },
  }
}
