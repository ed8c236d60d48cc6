/**
 * Loads the `ioredis` client (5.x or 6.x) on first use, so importing `durable-sse/redis` costs
 * nothing until a bus connects on its own.
 * @module
 */

/** The subset of an `ioredis` client the bus uses. */
export interface RedisClientLike {
  /** `'ready'` once it can take commands; `'connecting'`, `'reconnecting'`, `'end'`... otherwise. */
  readonly status: string
  /** Publishes `message` on `channel`. */
  publish(channel: string, message: string): Promise<unknown>
  /** Subscribes to channels (on a client used for nothing else). */
  subscribe(...channels: string[]): Promise<unknown>
  /** Unsubscribes from channels. */
  unsubscribe(...channels: string[]): Promise<unknown>
  /** A new connection with the same options. */
  duplicate(options?: RedisClientOptions): RedisClientLike
  /** Listens to `'message'` (channel, text), `'ready'`, `'close'` and `'error'` events. */
  on(event: string, listener: (...args: any[]) => void): unknown
  /** Closes the connection after pending replies. */
  quit(): Promise<unknown>
  /** Closes the connection at once. */
  disconnect(): void
}

/** The options of an `ioredis` client the bus sets. */
export interface RedisClientOptions {
  /** Queue commands while disconnected (the bus never does for its sends). */
  enableOfflineQueue?: boolean
  /** The pause before reconnect attempt `times`, in ms. */
  retryStrategy?: (times: number) => number
  /** Subscribe again after a reconnect (the bus does it itself, before it counts as connected). */
  autoResubscribe?: boolean
  /** Retries of one command before it fails; `null`: no limit. */
  maxRetriesPerRequest?: number | null
}

/** The `ioredis` module's client class. */
export type RedisConstructor = new (url: string, options: RedisClientOptions) => RedisClientLike

let loading: Promise<RedisConstructor> | undefined

/** Imports `ioredis` once; rejects with an install hint when it is missing. */
export function loadIoredis(): Promise<RedisConstructor> {
  loading ??= import('ioredis').then(
    (module: { default?: unknown; Redis?: unknown }) => (module.Redis ?? module.default) as RedisConstructor,
    (cause: unknown) => {
      loading = undefined
      throw new Error("durable-sse/redis needs the 'ioredis' package: npm install ioredis", { cause })
    },
  )
  return loading
}
