/**
 * The store's `onWake`: a set of wake listeners that holds one LISTEN connection open while it is
 * not empty, and closes it when the last listener leaves (and on `close()`).
 * @module
 */
import type { Unsubscribe } from '../../src/store.js'
import { type Listener, type ListenerOptions, type PostgresListenerStatus, startListener } from './postgres-listener.js'

/** Wake listeners sharing one LISTEN connection. */
export interface WakeSource {
  /** Adds a listener (opening the LISTEN connection if it is the first); returns its removal. */
  onWake(listener: (topic?: string) => void): Unsubscribe
  /** What the LISTEN connection is doing. */
  status(): PostgresListenerStatus
  /** Removes every listener and closes the LISTEN connection; `onWake` does nothing afterwards. */
  close(): Promise<void>
}

/** Creates the wake source; `onError` also receives what a throwing listener throws. */
export function wakeSource(options: Omit<ListenerOptions, 'wake'>): WakeSource {
  const entries = new Set<{ listener: (topic?: string) => void }>()
  const stopping = new Set<Promise<void>>()
  let connection: Listener | undefined
  let closed = false

  const wake = (topic?: string): void => {
    for (const { listener } of [...entries]) {
      try {
        listener(topic)
      } catch (error) {
        options.onError(error)
      }
    }
  }
  const stop = (): void => {
    if (connection === undefined) return
    const stopped = connection.stop().finally(() => stopping.delete(stopped))
    stopping.add(stopped)
    connection = undefined
  }

  return {
    onWake(listener) {
      if (closed) return () => {}
      const entry = { listener } // an object, so the same function may be added twice
      entries.add(entry)
      connection ??= startListener({ ...options, wake })
      return () => {
        if (entries.delete(entry) && entries.size === 0) stop()
      }
    },
    status: () => connection?.status() ?? 'off',
    async close() {
      closed = true
      entries.clear()
      stop()
      await Promise.all(stopping)
    },
  }
}
