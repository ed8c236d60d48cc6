/**
 * A NATS bus (`WakeBus`): one subject per topic (`<prefix>.<topic as base64url>`, since NATS
 * treats `.`, `*`, `>` and spaces specially), core NATS publish/subscribe, no JetStream: the
 * database is the log, the bus only carries what just committed.
 * @module
 */
import type { BusStatus, WakeBus } from '../../src/bus.js'
import { encodeMessages } from '../../src/bus-codec.js'
import { BusEndpoint, busClientOptions } from '../../src/bus-endpoint.js'
import type { EventRecord } from '../../src/event.js'
import { loadNats, type NatsConnectionLike } from './load-nats.js'

/** Where the bus connects: server URLs (it opens and closes its own connection), or your connection (never closed by the bus). */
export type NatsTarget =
  | {
      /** Server URLs, e.g. `nats://127.0.0.1:4222`. */
      servers: string | string[]
    }
  | {
      /** A `nats` 2.x connection you opened (`await connect(...)`). */
      connection: NatsConnectionLike
    }

/** Options of {@link natsWake}. */
export interface NatsWakeOptions {
  /** The subjects' first token, shared by the app's processes (one per database). Default `'durable-sse'`. */
  prefix?: string
  /** Largest message sent, in bytes (at most the server's `max_payload`); larger ones go as a wake-up. Default 1 MiB. */
  maxMessageBytes?: number
  /** Pause between reconnect attempts of the bus's own connection, in ms. Default 250. */
  reconnectWaitMs?: number
  /** Where a bus that cannot start says why (its client library missing, say). Default `console.error`. */
  onError?: (error: unknown) => void
}

const PREFIX = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/

/** The subject of `topic`. */
function subjectOf(prefix: string, topic: string): string {
  return `${prefix}.${Buffer.from(topic).toString('base64url')}`
}

/**
 * A bus over NATS for `createBroker(store, { wake })`: every process of the app gets the events
 * committed in the others, for the topics it tails.
 * @example
 * import { natsWake } from 'durable-sse/nats'
 * const broker = createBroker(postgresStore({ connectionString, notify: false }), { wake: natsWake({ servers: 'nats://127.0.0.1:4222' }) })
 */
export function natsWake(target: NatsTarget, options: NatsWakeOptions = {}): WakeBus {
  const { prefix = 'durable-sse' } = options
  const { maxMessageBytes, reconnectWaitMs, onError } = busClientOptions(options)
  if (typeof prefix !== 'string' || !PREFIX.test(prefix))
    throw new TypeError('natsWake: prefix must be NATS subject tokens of letters, digits, - and _')
  const own = !('connection' in target)
  const endpoint = new BusEndpoint()
  const subscriptions = new Map<string, { unsubscribe(): void }>()
  const decoder = new TextDecoder()
  let connection: NatsConnectionLike | undefined
  let closed = false

  const subscribe = (nc: NatsConnectionLike, topic: string) => {
    subscriptions.set(
      topic,
      nc.subscribe(subjectOf(prefix, topic), {
        callback: (error, message) => error || endpoint.arrived(decoder.decode(message.data)),
      }),
    )
  }
  const watch = async (nc: NatsConnectionLike) => {
    for await (const event of nc.status()) {
      if (event.type === 'disconnect') endpoint.changed('down')
      else if (event.type === 'reconnect') endpoint.changed('connected')
    }
  }
  const connected = (nc: NatsConnectionLike) => {
    if (closed) return void (own && nc.close())
    connection = nc
    for (const topic of endpoint.followed) subscribe(nc, topic)
    void watch(nc).catch(() => {})
    endpoint.changed(nc.isClosed() ? 'down' : 'connected')
  }
  /** The bus's own connection: a failed first attempt is reported once and retried until one succeeds or the bus closes. */
  const connectOwn = async (servers: string | string[]): Promise<NatsConnectionLike> => {
    const nats = await loadNats()
    for (let attempt = 0; ; attempt++) {
      try {
        return await nats.connect({
          servers,
          waitOnFirstConnect: false,
          maxReconnectAttempts: -1,
          reconnectTimeWait: reconnectWaitMs,
          reconnectJitter: Math.ceil(reconnectWaitMs / 5),
          reconnectBufSize: 0,
        })
      } catch (error) {
        if (closed) throw error
        if (attempt === 0) {
          endpoint.changed('down')
          onError(error)
        }
        await new Promise((resolve) => setTimeout(resolve, reconnectWaitMs))
      }
    }
  }
  return {
    open(receiver) {
      const stop = endpoint.open(receiver)
      const connecting = 'connection' in target ? Promise.resolve(target.connection) : connectOwn(target.servers)
      connecting.then(connected, (error: unknown) => {
        endpoint.changed('down')
        if (!closed) onError(error) // the client library is missing
      })
      return stop
    },
    send(records: readonly EventRecord[]) {
      if (!connection || endpoint.status !== 'connected') return
      const limit = Math.min(maxMessageBytes, connection.info?.max_payload ?? maxMessageBytes)
      for (const { topic, text } of encodeMessages(records, limit)) {
        try {
          connection.publish(subjectOf(prefix, topic), text)
        } catch {
          // Closed or over its limit: receivers find the events in the store.
        }
      }
    },
    follow(topic) {
      endpoint.followed.add(topic)
      if (!connection || subscriptions.has(topic)) return
      subscribe(connection, topic)
      connection.flush().then(
        () => endpoint.subscribed(topic),
        () => {}, // the connection dropped: its reconnect makes the receiver read every topic
      )
    },
    unfollow(topic) {
      endpoint.followed.delete(topic)
      subscriptions.get(topic)?.unsubscribe()
      subscriptions.delete(topic)
    },
    status: (): BusStatus => endpoint.status,
    async close() {
      closed = true
      for (const subscription of subscriptions.values()) subscription.unsubscribe()
      subscriptions.clear()
      if (own) await connection?.close()
    },
  }
}
