/**
 * The dedicated LISTEN connection of a Postgres store: one `pg.Client` per store (not from the
 * pool, so never through a transaction-pooling PgBouncer) that turns NOTIFY into wake-ups. After
 * every (re)connect it wakes once without a topic (the catch-up poll for whatever was committed
 * while it was not listening); a `SELECT 1` heartbeat finds dead connections; on failure it
 * reconnects with capped, jittered exponential backoff and never gives up, waking every
 * `fallbackPollMs` meanwhile so the broker polls faster while notifications cannot arrive.
 * @module
 */
import type { PgClientLike } from './load-pg.js'
import { quoteIdentifier } from './postgres-sql.js'

/** What the LISTEN connection is doing: `'off'` (no wake listeners, or `notify: false`), `'connecting'` (first attempt), `'listening'`, or `'down'` (reconnecting, fallback polling). */
export type PostgresListenerStatus = 'off' | 'connecting' | 'listening' | 'down'

/** Settings of {@link startListener}. */
export interface ListenerOptions {
  /** Creates an unconnected client. */
  createClient: () => Promise<PgClientLike>
  /** The channel to LISTEN on. */
  channel: string
  /** Heartbeat interval and timeout, in ms. */
  heartbeatMs: number
  /** Wake-up interval while down, in ms. */
  fallbackPollMs: number
  /** First reconnect delay, in ms. */
  reconnectMinMs: number
  /** Largest reconnect delay, in ms. */
  reconnectMaxMs: number
  /** Called with the notified topic, or without one for catch-up and fallback wake-ups. */
  wake: (topic?: string) => void
  /** Called with each connection failure the listener recovers from. */
  onError: (error: unknown) => void
}

/** A running LISTEN connection. */
export interface Listener {
  /** What it is doing now. */
  status(): Exclude<PostgresListenerStatus, 'off'>
  /** Stops listening and closes the connection; it never reconnects afterwards. */
  stop(): Promise<void>
}

const ignore = (): void => {}

/** How long `end()` may wait for the server's goodbye before the socket is dropped. */
const END_TIMEOUT_MS = 1_000

/**
 * Detaches and closes a client we are done with. A late `'error'` from it must never crash the
 * process, and a frozen connection never answers `end()`, so its socket is destroyed after a while.
 */
function discard(client: PgClientLike): Promise<void> {
  client.removeAllListeners()
  client.on('error', ignore)
  const timer = setTimeout(() => client.connection?.stream?.destroy?.(), END_TIMEOUT_MS).unref()
  return client
    .end()
    .catch(ignore)
    .finally(() => clearTimeout(timer))
}

/** Starts listening; the first connection attempt begins at once. */
export function startListener(options: ListenerOptions): Listener {
  const { channel, heartbeatMs, fallbackPollMs, reconnectMinMs, reconnectMaxMs, wake } = options
  let state: 'connecting' | 'listening' | 'down' = 'connecting'
  let stopped = false
  let current: PgClientLike | undefined
  let failures = 0
  let heartbeatTimer: NodeJS.Timeout | undefined
  let reconnectTimer: NodeJS.Timeout | undefined
  let fallbackTimer: NodeJS.Timeout | undefined

  const lost = (client: PgClientLike | undefined, error: unknown): void => {
    if (stopped || client !== current) return // already handled (an 'error' is often followed by 'end')
    current = undefined
    state = 'down'
    clearTimeout(heartbeatTimer)
    if (client) void discard(client)
    options.onError(error)
    fallbackTimer ??= setInterval(() => wake(), fallbackPollMs).unref()
    const ceiling = Math.min(reconnectMaxMs, reconnectMinMs * 2 ** Math.min(failures++, 30))
    reconnectTimer = setTimeout(connect, ceiling / 2 + (Math.random() * ceiling) / 2).unref()
  }

  const heartbeat = (client: PgClientLike): void => {
    heartbeatTimer = setTimeout(async () => {
      let timeout: NodeJS.Timeout | undefined
      try {
        await Promise.race([
          client.query('SELECT 1'),
          new Promise((_, reject) => {
            timeout = setTimeout(() => reject(new Error(`LISTEN heartbeat got no answer in ${heartbeatMs} ms`)), heartbeatMs)
          }),
        ])
        if (client === current) heartbeat(client)
      } catch (error) {
        lost(client, error)
      } finally {
        clearTimeout(timeout)
      }
    }, heartbeatMs).unref()
  }

  async function connect(): Promise<void> {
    let client: PgClientLike | undefined
    try {
      client = await options.createClient()
      if (stopped) return void discard(client)
      current = client
      const self = client
      client.on('notification', (message) => {
        if (message.channel === channel) wake(message.payload || undefined)
      })
      client.on('error', (error) => lost(self, error))
      client.on('end', () => lost(self, new Error('the LISTEN connection ended')))
      await client.connect()
      await client.query(`LISTEN ${quoteIdentifier(channel)}`)
      if (client !== current) return // stopped or lost meanwhile
      failures = 0
      state = 'listening'
      clearInterval(fallbackTimer)
      fallbackTimer = undefined
      heartbeat(client)
      wake() // catch up on whatever committed while nobody listened
    } catch (error) {
      lost(client, error)
    }
  }

  void connect()

  return {
    status: () => state,
    async stop(): Promise<void> {
      stopped = true
      clearTimeout(heartbeatTimer)
      clearTimeout(reconnectTimer)
      clearInterval(fallbackTimer)
      const client = current
      current = undefined
      if (client) await discard(client)
    },
  }
}
