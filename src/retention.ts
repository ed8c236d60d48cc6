/**
 * Retention: deletes events older than `maxAgeMs` every `intervalMs`; the store keeps one process
 * at a time at it, and records how far it pruned so that resuming from a pruned id resets.
 * @module
 */
import type { RetentionOptions } from './options.js'
import type { EventStore } from './store.js'

/** Starts the retention timer (unref'd); returns its stop function. */
export function startRetention(store: EventStore, retention: RetentionOptions, onError: (error: unknown) => void): () => void {
  const intervalMs = retention.intervalMs ?? Math.min(Math.max(retention.maxAgeMs / 10, 1_000), 3_600_000)
  const timer = setInterval(() => {
    store.deleteBefore(new Date(Date.now() - retention.maxAgeMs)).catch(onError)
  }, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
