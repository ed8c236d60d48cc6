/**
 * A Redis bus (`WakeBus`): one pub/sub channel per topic (`<prefix>:<topic>`), on two
 * connections (a subscribed connection takes no other commands). Redis pub/sub keeps nothing:
 * the database is the log, the bus only carries what just committed.
 * @module
 */
import type { BusStatus, WakeBus } from '../../src/bus.js'
import { encodeMessages } from '../../src/bus-codec.js'
import { BusEndpoint, busClientOptions } from '../../src/bus-endpoint.js'
import type { EventRecord } from '../../src/event.js'
import { loadIoredis, type RedisClientLike, type RedisClientOptions } from './load-ioredis.js'

/** Where the bus connects: a URL (it opens and closes its connections), or your client (the bus publishes on it and subscribes on a `duplicate()` of it, which it closes). */
export type RedisTarget =
  | {
      /** A Redis URL, e.g. `redis://127.0.0.1:6379`. */
      url: string
    }
  | {
      /** An `ioredis` client you opened. */
      client: RedisClientLike
    }

/** Options of {@link redisWake}. */
export interface RedisWakeOptions {
  /** The channels' prefix, shared by the app's processes (one per database). Default `'durable-sse'`. */
  prefix?: string
  /** Largest message sent, in bytes; larger ones go as a wake-up. Default 1 MiB. */
  maxMessageBytes?: number
  /** Longest pause between reconnect attempts of the bus's connections, in ms. Default 250. */
  reconnectWaitMs?: number
  /** Where a bus that cannot start says why (its client library missing, say). Default `console.error`. */
  onError?: (error: unknown) => void
}

/**
 * A bus over Redis pub/sub for `createBroker(store, { wake })`: every process of the app gets the
 * events committed in the others, for the topics it tails.
 * @example
 * import { redisWake } from 'durable-sse/redis'
 * const broker = createBroker(postgresStore({ connectionString, notify: false }), { wake: redisWake({ url: 'redis://127.0.0.1:6379' }) })
 */
export function redisWake(target: RedisTarget, options: RedisWakeOptions = {}): WakeBus {
  const { prefix = 'durable-sse' } = options
  const { maxMessageBytes, reconnectWaitMs, onError } = busClientOptions(options)
  if (typeof prefix !== 'string' || prefix.length === 0) throw new TypeError('redisWake: prefix must be a non-empty string')
  const channelOf = (topic: string) => `${prefix}:${topic}`
  const endpoint = new BusEndpoint()
  const settings: RedisClientOptions = {
    retryStrategy: (times) => Math.min(times * 50, reconnectWaitMs),
    maxRetriesPerRequest: null,
    autoResubscribe: false,
  }
  let publisher: RedisClientLike | undefined
  let subscriber: RedisClientLike | undefined
  let closed = false

  const start = async () => {
    if ('url' in target) {
      const Redis = await loadIoredis()
      if (closed) return
      publisher = new Redis(target.url, { ...settings, enableOfflineQueue: false })
      publisher.on('error', () => {}) // its state is what counts: `send` checks it
      subscriber = new Redis(target.url, settings)
    } else {
      publisher = target.client
      subscriber = publisher.duplicate(settings)
    }
    const connection = subscriber
    connection.on('error', () => {})
    connection.on('close', () => endpoint.changed('down'))
    connection.on('message', (_channel, text) => endpoint.arrived(text))
    // Every (re)connect subscribes to every followed channel before it counts as connected, so
    // the receiver's read of every topic comes after the subscription: nothing falls in between.
    connection.on('ready', () => {
      const channels = [...endpoint.followed].map(channelOf)
      const subscribed = channels.length > 0 ? connection.subscribe(...channels) : Promise.resolve()
      subscribed.then(
        () => endpoint.changed('connected'),
        () => {}, // the connection dropped again: its next 'ready' tries again
      )
    })
  }

  return {
    open(receiver) {
      const stop = endpoint.open(receiver)
      start().catch((error: unknown) => {
        endpoint.changed('down')
        onError(error)
      })
      return stop
    },
    send(records: readonly EventRecord[]) {
      if (publisher?.status !== 'ready') return
      for (const { topic, text } of encodeMessages(records, maxMessageBytes)) {
        publisher.publish(channelOf(topic), text).catch(() => {})
      }
    },
    follow(topic) {
      endpoint.followed.add(topic)
      if (subscriber?.status !== 'ready') return
      subscriber.subscribe(channelOf(topic)).then(
        () => endpoint.subscribed(topic),
        () => {}, // the connection dropped: its next 'ready' subscribes again and the receiver reads every topic
      )
    },
    unfollow(topic) {
      endpoint.followed.delete(topic)
      if (subscriber?.status === 'ready') void subscriber.unsubscribe(channelOf(topic)).catch(() => {})
    },
    status: (): BusStatus => endpoint.status,
    async close() {
      closed = true
      subscriber?.disconnect()
      if ('url' in target) publisher?.disconnect()
    },
  }
}
