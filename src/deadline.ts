/**
 * A deadline on a promise: the one timer pattern behind every bound in the package (the broker's
 * `storeTimeoutMs`, a store's statement deadline, the LISTEN heartbeat).
 * @module
 */

/**
 * `promise`, or a rejection with what `onTimeout()` returns once `timeoutMs` passed first
 * (`onTimeout` may also act: destroy the connection that hung). The timer never keeps the process
 * alive; what `promise` does later is ignored (a late rejection is not unhandled).
 */
export function withDeadline<T>(promise: Promise<T>, timeoutMs: number, onTimeout: () => unknown): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      promise.catch(() => {})
      reject(onTimeout())
    }, timeoutMs)
    timer.unref()
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}
