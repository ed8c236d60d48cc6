/**
 * Deadlines on the store's statements. Across a partition (a host that dies without a RST, a NAT
 * that forgets the connection, a failover to a new address) a socket stays "open" and a statement
 * sent on it never gets an answer: without a deadline the poll, or the `publish()`, waits forever,
 * and `pg`'s own `query_timeout` only stops waiting: the client goes back into the pool with the
 * statement still in flight, and every later statement on it times out too.
 *
 * So a statement that misses its deadline rejects with {@link StoreTimeoutError} and its
 * connection is destroyed: the pending statement fails, every later statement on that client
 * rejects at once with the same error (a caller's `ROLLBACK` after a failed publish included), and
 * `pg.Pool` drops the client when it is released. Idle clients of the store's own pool are
 * destroyed with it (a partition silences them too; each would otherwise cost one more deadline).
 * @module
 */
import { Deadline } from '../../src/deadline.js'
import { StoreTimeoutError } from '../../src/errors.js'
import type { PostgresPoolLike } from './postgres-store-config.js'

/** The part of a `pg` client a deadline uses. */
export interface DeadlineClient {
  /** `pg`'s `Client.query`. */
  query(...args: unknown[]): unknown
  /** Adds an `'error'` listener. */
  on(event: 'error', listener: (error: Error) => void): unknown
  /** `pg`'s connection; destroying its socket fails the statements in flight. */
  connection?: { stream?: { destroy?(): void } }
}

const ignore = (): void => {}

/** Clients whose connection a missed deadline destroyed, and the error every later statement on them gets. */
const destroyed = new WeakMap<object, StoreTimeoutError>()

/** Whether `value` looks like a `pg` client. */
export const isDeadlineClient = (value: unknown): value is DeadlineClient =>
  typeof (value as Partial<DeadlineClient> | null)?.query === 'function' &&
  typeof (value as Partial<DeadlineClient>).on === 'function'

/** The SQL text of a `query(...)` call: a string, or a config object's `text`. */
export const statementText = (first: unknown): string | undefined =>
  typeof first === 'string' ? first : (first as { text?: unknown } | null)?.text?.toString()

/** A store's statement deadline: what it waits at most, and what it does to the clients that miss it. */
export class StatementDeadline {
  /** The deadline, in ms. */
  readonly timeoutMs: number
  private readonly deadline: Deadline
  private readonly missed: (client: DeadlineClient, error: StoreTimeoutError) => void

  /** `missed` hears of every client destroyed (before the destruction, once per client). */
  constructor(timeoutMs: number, missed: (client: DeadlineClient, error: StoreTimeoutError) => void) {
    this.timeoutMs = timeoutMs
    this.deadline = new Deadline(timeoutMs)
    this.missed = missed
  }

  /**
   * `query.apply(client, args)` within the deadline. A client destroyed by an earlier miss rejects
   * at once (a callback-style call is passed through: `pg` fails it itself).
   */
  run(client: DeadlineClient, query: (...args: unknown[]) => unknown, args: unknown[]): unknown {
    const earlier = destroyed.get(client)
    if (earlier !== undefined && typeof args[args.length - 1] !== 'function') return Promise.reject(earlier)
    const result = query.apply(client, args)
    if (!(result instanceof Promise)) return result
    return this.deadline.within(result, () => this.destroy(client))
  }

  /** Destroys `client`'s connection (once) and returns the error its statements get from now on. */
  private destroy(client: DeadlineClient): StoreTimeoutError {
    const earlier = destroyed.get(client)
    if (earlier !== undefined) return earlier
    const error = new StoreTimeoutError('query', this.timeoutMs)
    this.missed(client, error)
    destroyConnection(client, error)
    return error
  }
}

/**
 * Destroys `client`'s socket; from now on its statements reject with `error` and
 * {@link missedDeadline} says so (a pool may still hand it out before it notices: skip it).
 */
function destroyConnection(client: DeadlineClient, error: StoreTimeoutError): void {
  if (destroyed.has(client)) return
  destroyed.set(client, error)
  client.on('error', ignore) // a checked-out client has no listener of the pool's: its death must not crash the process
  client.connection?.stream?.destroy?.()
}

/** Whether a missed deadline destroyed `client`'s connection (or that of another client of its pool, when it was idle). */
export const missedDeadline = (client: object): boolean => destroyed.has(client)

/**
 * Gives the store's statements on a caller's pool the deadline: each client the pool hands out
 * (to the store or to the app) is armed once, and statements whose text `ours` recognises run
 * within the deadline; the app's own statements are left alone, except on a client a missed
 * deadline destroyed (they reject with its error at once). Returns the removal of the listener.
 */
export function armCallerPool(pool: PostgresPoolLike, deadline: StatementDeadline, ours: ReadonlySet<string>): () => void {
  const armed = new WeakSet<object>()
  const arm = (client: unknown): void => {
    if (!isDeadlineClient(client) || armed.has(client)) return
    armed.add(client)
    const query = client.query
    client.query = (...args: unknown[]) =>
      ours.has(statementText(args[0]) ?? '') || missedDeadline(client)
        ? deadline.run(client, query, args)
        : query.apply(client, args)
  }
  pool.on?.('acquire', arm)
  return () => pool.off?.('acquire', arm)
}

/**
 * The idle clients of the store's own pool, followed through the pool's events, so a missed
 * deadline can destroy them too (with its `error`). `silence` is called with each before it is
 * destroyed (its death is the deadline's, already reported).
 */
export function idleClients(pool: PostgresPoolLike): {
  destroyAll(error: StoreTimeoutError, silence: (client: object) => void): void
} {
  const idle = new Set<DeadlineClient>()
  // `pg.Pool` emits 'release' with a truthy first argument for a client it is about to drop.
  pool.on?.('release', (drop: unknown, client: unknown) => {
    if (!drop && isDeadlineClient(client) && !missedDeadline(client)) idle.add(client)
  })
  pool.on?.('acquire', (client: DeadlineClient) => idle.delete(client))
  pool.on?.('remove', (client: DeadlineClient) => idle.delete(client))
  return {
    destroyAll(error, silence) {
      for (const client of idle) {
        silence(client)
        destroyConnection(client, error)
      }
      idle.clear()
    },
  }
}
