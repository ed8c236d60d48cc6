/**
 * A link's pending reconnection: it fires after its delay, or sooner when asked (the browser came
 * back online).
 * @module
 */

/** One pending reconnection at a time. */
export interface ReconnectTimer {
  /** Reconnects after `ms`. */
  later(ms: number): void
  /** Reconnects at once if one is pending; whether one was. */
  now(): boolean
  /** Drops the pending one. */
  cancel(): void
}

/** A timer that calls `reconnect` when it fires. */
export function reconnectTimer(reconnect: () => void): ReconnectTimer {
  let timer: ReturnType<typeof setTimeout> | undefined
  const fire = (): void => {
    timer = undefined
    reconnect()
  }
  return {
    later(ms) {
      timer = setTimeout(fire, ms)
    },
    now() {
      if (timer === undefined) return false
      clearTimeout(timer)
      fire()
      return true
    },
    cancel() {
      clearTimeout(timer)
      timer = undefined
    },
  }
}
