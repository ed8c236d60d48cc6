/**
 * Waiting for SQLite's write lock without blocking the event loop. better-sqlite3 is synchronous:
 * with a `busy_timeout` it would sleep inside the call, freezing the process, including a caller's
 * async transaction that holds the lock on another connection (a deadlock until the timeout). So
 * the store tries the lock without waiting and retries on a timer instead, until a deadline.
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { StoreTimeoutError } from '../../src/errors.js'

/** Returned by an attempt that could not start yet (for example a transaction is open on the connection). */
export const NOT_NOW: unique symbol = Symbol('not now')

/** When a wait for the lock gives up. */
export interface Deadline {
  /** The `performance.now()` it gives up at. */
  at: number
  /** How long the wait may last in all (`busyTimeoutMs`), in ms. */
  timeoutMs: number
}

/** When a wait that started at `since` (a `performance.now()`; now when missing) and may last `timeoutMs` gives up. */
export function deadlineOf(timeoutMs: number, since?: number): Deadline {
  return { at: (typeof since === 'number' && Number.isFinite(since) ? since : performance.now()) + timeoutMs, timeoutMs }
}

/** Whether `error` is SQLite's `SQLITE_BUSY` (another connection holds the lock). */
export function isBusyError(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY')
}

/**
 * Runs `attempt` until it returns a value, pausing 1 ms, 2 ms, ... up to 16 ms between tries while
 * it returns {@link NOT_NOW} or throws `SQLITE_BUSY`. Tries at least once, never after `deadline`;
 * then throws the last `SQLITE_BUSY`, or, when it only ever got {@link NOT_NOW}, a `StoreTimeoutError`.
 */
export async function retryWhileBusy<T>(
  attempt: () => T | typeof NOT_NOW | Promise<T | typeof NOT_NOW>,
  deadline: Deadline,
  waitingFor: string,
): Promise<T> {
  let pauseMs = 1
  for (;;) {
    let lastError: unknown
    try {
      const result = await attempt()
      if (result !== NOT_NOW) return result
    } catch (error) {
      if (!isBusyError(error)) throw error
      lastError = error
    }
    const remainingMs = deadline.at - performance.now()
    if (remainingMs <= 0) {
      throw (
        lastError ??
        new StoreTimeoutError('lock', deadline.timeoutMs, `busyTimeoutMs of durable-sse/sqlite, waiting for ${waitingFor}`)
      )
    }
    await sleep(Math.min(pauseMs, remainingMs))
    pauseMs = Math.min(pauseMs * 2, 16)
  }
}
