/**
 * The dedicated LISTEN connection of a Postgres store: one `pg.Client` per store (not from the
 * pool) that turns NOTIFY into wake-ups. After every (re)connect it wakes once without a topic
 * (the catch-up poll for whatever was committed while it was not listening). On failure it
 * reconnects with capped, jittered exponential backoff and never gives up, waking every
 * `fallbackPollMs` meanwhile so the broker polls faster while notifications cannot arrive.
 *
 * It also proves that notifications arrive: right after LISTEN and on every heartbeat it sends a
 * probe notification from another connection (the store's pool), then a `SELECT 1` on its own.
 * Postgres hands a listening session the notifications committed before it finishes a statement,
 * before that statement's answer, so a probe that has not arrived by the time the `SELECT 1`
 * answers is not coming (a transaction-mode pooler between the client and the server LISTENs on
 * a server connection that other clients then use). The `SELECT 1` also finds dead connections:
 * no answer within `heartbeatMs` means the connection is replaced.
 * @module
 */
import { randomUUID } from 'node:crypto'
import { Deadline } from '../../src/deadline.js'
import { ListenerNotReceivingError } from '../../src/errors.js'
import type { PgClientLike } from './load-pg.js'
import { quoteIdentifier } from './postgres-sql.js'

/**
 * What the LISTEN connection is doing: `'off'` (no wake listeners, or `notify: false`),
 * `'connecting'` (first attempt), `'listening'`, `'not-receiving'` (connected, but its probe
 * notifications do not arrive, e.g. through a transaction-mode pooler: fallback polling), or
 * `'down'` (reconnecting, fallback polling).
 */
export type PostgresListenerStatus = 'off' | 'connecting' | 'listening' | 'not-receiving' | 'down'

/** Settings of {@link startListener}. */
export interface ListenerOptions {
  /** Creates an unconnected client. */
  createClient: () => Promise<PgClientLike>
  /** The channel to LISTEN on. */
  channel: string
  /** Heartbeat interval and timeout, in ms. */
  heartbeatMs: number
  /** Wake-up interval while down or not receiving, in ms. */
  fallbackPollMs: number
  /** First reconnect delay, in ms. */
  reconnectMinMs: number
  /** Largest reconnect delay, in ms. */
  reconnectMaxMs: number
  /** Sends a notification with `payload` on the channel from another connection; resolves once it committed. */
  notify: (payload: string) => Promise<void>
  /** Called with the notified topic, or without one for catch-up and fallback wake-ups. */
  wake: (topic?: string) => void
  /** Called with each connection failure the listener recovers from, and once when notifications stop arriving. */
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

/** Probe payloads start with a line feed, which no topic may hold, so a probe is never taken for a topic. */
const PROBE_MARK = '\n durable-sse probe '

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
  const probePrefix = `${PROBE_MARK}${randomUUID()} `
  const heartbeatDeadline = new Deadline(heartbeatMs)
  /** The connection's state; while `listening`, `deaf` makes the status `'not-receiving'`. */
  let state: 'connecting' | 'listening' | 'down' = 'connecting'
  let stopped = false
  let current: PgClientLike | undefined
  let failures = 0
  /** The last probe sent, and the highest one that arrived. */
  let probesSent = 0
  let probesHeard = 0
  /** A probe went unheard and none has arrived since (kept across reconnects: the cause is usually the route, not the connection). */
  let deaf = false
  let heartbeatTimer: NodeJS.Timeout | undefined
  let reconnectTimer: NodeJS.Timeout | undefined
  let fallbackTimer: NodeJS.Timeout | undefined

  const startFallback = (): void => {
    fallbackTimer ??= setInterval(() => wake(), fallbackPollMs).unref()
  }
  const stopFallback = (): void => {
    clearInterval(fallbackTimer)
    fallbackTimer = undefined
  }

  const heard = (probe: number): void => {
    probesHeard = Math.max(probesHeard, probe)
    if (!deaf) return
    deaf = false
    if (state === 'listening') stopFallback()
  }
  /** Only while listening: a probe sent on the current connection did not arrive. */
  const unheard = (): void => {
    if (deaf) return
    deaf = true
    startFallback()
    options.onError(new ListenerNotReceivingError(channel))
  }

  const lost = (client: PgClientLike | undefined, error: unknown): void => {
    if (stopped || client !== current) return // already handled (an 'error' is often followed by 'end')
    current = undefined
    state = 'down'
    clearTimeout(heartbeatTimer)
    if (client) void discard(client)
    options.onError(error)
    startFallback()
    const ceiling = Math.min(reconnectMaxMs, reconnectMinMs * 2 ** Math.min(failures++, 30))
    reconnectTimer = setTimeout(connect, ceiling / 2 + (Math.random() * ceiling) / 2).unref()
  }

  /** Sends a probe, then a round trip on `client`; judges whether the probe arrived. Rejects when `client` is dead. */
  const check = async (client: PgClientLike): Promise<void> => {
    const probe = ++probesSent
    let sent = false
    try {
      await heartbeatDeadline.within(
        options.notify(probePrefix + probe),
        () => new Error(`the probe notification took over ${heartbeatMs} ms`),
      )
      sent = true
    } catch {
      // No verdict this time. The cause is the pool's, and reaches `onError` from the pool and
      // from the broker's failing polls; the next heartbeat probes again.
    }
    await heartbeatDeadline.within(
      client.query('SELECT 1'),
      () => new Error(`LISTEN heartbeat got no answer in ${heartbeatMs} ms`),
    )
    if (sent && client === current && probesHeard < probe) unheard()
  }

  const heartbeat = (client: PgClientLike, delayMs: number): void => {
    heartbeatTimer = setTimeout(async () => {
      try {
        await check(client)
        if (client === current) heartbeat(client, heartbeatMs)
      } catch (error) {
        lost(client, error)
      }
    }, delayMs).unref()
  }

  async function connect(): Promise<void> {
    let client: PgClientLike | undefined
    try {
      client = await options.createClient()
      if (stopped) return void discard(client)
      current = client
      const self = client
      client.on('notification', (message) => {
        if (message.channel !== channel) return
        const payload = message.payload ?? ''
        if (!payload.startsWith(PROBE_MARK)) wake(payload || undefined)
        else if (payload.startsWith(probePrefix)) heard(Number(payload.slice(probePrefix.length)))
      })
      client.on('error', (error) => lost(self, error))
      client.on('end', () => lost(self, new Error('the LISTEN connection ended')))
      await client.connect()
      await client.query(`LISTEN ${quoteIdentifier(channel)}`)
      if (client !== current) return // stopped or lost meanwhile
      failures = 0
      state = 'listening'
      if (!deaf) stopFallback()
      heartbeat(client, 0) // the first probe at once
      wake() // catch up on whatever committed while nobody listened
    } catch (error) {
      lost(client, error)
    }
  }

  void connect()

  return {
    status: () => (state === 'listening' && deaf ? 'not-receiving' : state),
    async stop(): Promise<void> {
      stopped = true
      clearTimeout(heartbeatTimer)
      clearTimeout(reconnectTimer)
      stopFallback()
      const client = current
      current = undefined
      if (client) await discard(client)
    },
  }
}
