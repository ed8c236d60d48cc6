/**
 * Which process runs the relay: every process with `relay` on tries a session-level advisory lock
 * (`pg_try_advisory_lock`, keyed by the slot's name) on a connection of its own every
 * `takeoverMs`; the one that holds it is the leader and streams the slot (`relay-stream.ts`) on a
 * second, replication connection. When the leader dies its sessions end, the lock is released and
 * another process takes over at its next try; the slot then sends again whatever the old leader
 * had not acknowledged, so nothing committed meanwhile is missed. A stream that the server still
 * counts as active (a leader that vanished without closing its socket) is ended by the new leader:
 * holding the lock proves its owner is gone. One slot, whatever the number of processes.
 * @module
 */
import { Deadline } from '../../src/deadline.js'
import { RelayUnavailableError } from '../../src/errors.js'
import type { RelayRole } from '../../src/store.js'
import type { PgClientLike } from './load-pg.js'
import { OBJECT_IN_USE, sqlState } from './relay-setup.js'
import { type CommittedRow, type PgReplicationClientLike, streamSlot } from './relay-stream.js'

/** What this process's relay is doing: trying for the lock, holding it (streaming), or unable to run here. */
export type CandidateRole = Exclude<RelayRole, 'off'>

/** Settings of {@link startRelayLeader}. */
export interface RelayLeaderOptions {
  /** Opens (connects) the lock connection. */
  connectLock(): Promise<PgClientLike>
  /** Opens (connects) a replication connection (`replication: 'database'`). */
  connectReplication(): Promise<PgClientLike & PgReplicationClientLike>
  /** Rejects with `RelayUnavailableError` when the relay cannot run (checked before anything else). */
  checkAvailable(): Promise<void>
  /** Run before each stream: creates what is missing (or was invalidated), learns what the rows need (the epoch). */
  prepare(): Promise<void>
  /** Ends the stream the server still counts as active on the slot. */
  endStaleStream(): Promise<boolean>
  /** The advisory lock's key text. */
  lockKey: string
  /** The slot, the publication and the events table (unquoted). */
  slot: string
  /** The publication. */
  publication: string
  /** The events table. */
  table: {
    /** Its schema. */
    schema: string
    /** Its name. */
    name: string
  }
  /** Takeover attempt interval, and the pause before a failed stream starts again, in ms. */
  takeoverMs: number
  /** While it leads, the lock connection runs `SELECT 1` this often, and it stops leading when one takes longer, in ms. */
  heartbeatMs: number
  /** Takes the inserted rows of each committed transaction. */
  onCommit(rows: CommittedRow[]): void
  /** Takes what the relay survives, and once a `RelayUnavailableError`. */
  onError(error: unknown): void
}

/** A running relay candidate. */
export interface RelayLeader {
  /** What it is doing now. */
  role(): CandidateRole
  /** Stops streaming (acknowledging what was handled), releases the lock, closes its connections. */
  stop(): Promise<void>
}

/** The longest pause before a failing stream or lock connection is tried again, in ms. */
const MAX_RETRY_MS = 10_000

/** How long `end()` may wait before the socket is dropped, in ms. */
const END_TIMEOUT_MS = 1_000

/** Closes a client we are done with; a late `'error'` never reaches the process, a silent server never holds us. */
async function discard(client: PgClientLike | undefined): Promise<void> {
  if (client === undefined) return
  client.removeAllListeners()
  client.on('error', () => {})
  const timer = setTimeout(() => client.connection?.stream?.destroy?.(), END_TIMEOUT_MS).unref()
  await client
    .end()
    .catch(() => {})
    .finally(() => clearTimeout(timer))
}

/** Starts competing for the relay. */
export function startRelayLeader(options: RelayLeaderOptions): RelayLeader {
  const heartbeat = new Deadline(options.heartbeatMs)
  let role: CandidateRole = 'starting'
  let stopped = false
  let lockClient: PgClientLike | undefined
  let replicationClient: PgClientLike | undefined
  let stopStream: (() => void) | undefined
  /** Wakes a pause early (on stop). */
  let interrupt: () => void = () => {}

  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, ms)
      interrupt = () => {
        clearTimeout(timer)
        resolve()
      }
    })

  /**
   * Resolves when the lock connection fails, ends, or (while `watch` runs) misses a heartbeat: the
   * lock is then gone, or about to be (the server ends a session it cannot reach).
   */
  const lockLost = (client: PgClientLike): { lost: Promise<unknown>; watch(): () => void } => {
    let lose: (error: unknown) => void = () => {}
    const lost = new Promise<unknown>((resolve) => {
      lose = resolve
    })
    client.on('error', lose)
    client.on('end', () => lose(new Error('the relay lock connection ended')))
    const watch = (): (() => void) => {
      const timer = setInterval(() => {
        heartbeat
          .within(
            client.query('SELECT 1'),
            () => new Error(`the relay lock connection got no answer in ${options.heartbeatMs} ms`),
          )
          .catch(lose)
      }, options.heartbeatMs)
      timer.unref()
      return () => clearInterval(timer)
    }
    return { lost, watch }
  }

  /** Streams the slot until the lock is lost, the stream fails or the relay stops. */
  const lead = async (lost: Promise<unknown>): Promise<void> => {
    let lockGone: { error: unknown } | undefined
    /** Streams in a row that failed before the server sent anything, and the last one's error. */
    let failures = 0
    let lastFailure: unknown
    void lost.then((error) => {
      lockGone = { error }
    })
    while (!stopped) {
      if (lockGone !== undefined) throw lockGone.error
      await options.prepare()
      const client = await options.connectReplication()
      if (stopped) {
        await discard(client)
        break
      }
      replicationClient = client
      client.on('error', () => {}) // the stream's query rejects with it
      const stream = streamSlot(client, {
        slot: options.slot,
        publication: options.publication,
        table: options.table,
        statusIntervalMs: Math.min(options.takeoverMs, 1_000),
        onCommit: options.onCommit,
      })
      stopStream = () => stream.stop()
      const outcome = await Promise.race([
        stream.done.then(
          () => ({ kind: 'ended' as const }),
          (error: unknown) => ({ kind: 'failed' as const, error }),
        ),
        lost.then((error) => ({ kind: 'lost' as const, error })),
      ])
      stopStream = undefined
      if (outcome.kind === 'lost') stream.stop()
      await discard(client)
      replicationClient = undefined
      if (outcome.kind === 'lost') throw outcome.error
      if (stream.started()) failures = 0
      if (outcome.kind === 'failed') {
        // Another stream holds the slot: its process is gone (we hold the lock), so end it and go on.
        if (sqlState(outcome.error) === OBJECT_IN_USE && (await options.endStaleStream())) continue
        // Reported once while it fails the same way; retried with a doubling pause, up to MAX_RETRY_MS.
        if (failures === 0 || String(outcome.error) !== String(lastFailure)) options.onError(outcome.error)
        lastFailure = outcome.error
        failures++
      }
      if (!stopped) await pause(Math.min(options.takeoverMs * 2 ** Math.max(0, failures - 1), MAX_RETRY_MS))
    }
  }

  const run = async (): Promise<void> => {
    try {
      await options.checkAvailable()
    } catch (error) {
      if (error instanceof RelayUnavailableError) {
        role = 'unavailable'
        options.onError(error)
        return
      }
      // A connection failure: the loop below retries.
    }
    /** Lock connections in a row that failed before a try of the lock answered, and the last one's error. */
    let failures = 0
    let lastFailure: unknown
    while (!stopped) {
      try {
        const client = await options.connectLock()
        lockClient = client
        const { lost, watch } = lockLost(client)
        while (!stopped) {
          const { rows } = (await client.query(
            `SELECT pg_try_advisory_lock(hashtext('${options.lockKey.replaceAll("'", "''")}')) AS held`,
          )) as {
            rows: Array<{ held: boolean }>
          }
          failures = 0
          if (rows[0]?.held === true) break
          role = 'standby'
          await pause(options.takeoverMs)
        }
        if (stopped) break
        role = 'leader'
        const unwatch = watch()
        try {
          await lead(lost)
        } finally {
          unwatch()
        }
      } catch (error) {
        if (stopped) break
        if (error instanceof RelayUnavailableError) {
          role = 'unavailable'
          options.onError(error)
          break
        }
        role = 'standby'
        // Reported once while it fails the same way (the database is down); retried with a doubling pause.
        if (failures === 0 || String(error) !== String(lastFailure)) options.onError(error)
        lastFailure = error
        failures++
        await discard(lockClient)
        lockClient = undefined
        await pause(Math.min(options.takeoverMs * 2 ** (failures - 1), MAX_RETRY_MS))
      }
    }
  }
  const running = run()

  return {
    role: () => role,
    async stop() {
      stopped = true
      interrupt()
      stopStream?.()
      // A server that does not answer the stream's end within a second loses the socket instead.
      const timer = setTimeout(() => replicationClient?.connection?.stream?.destroy?.(), END_TIMEOUT_MS).unref()
      await running
      clearTimeout(timer)
      await discard(replicationClient)
      await discard(lockClient) // its session ends, and the lock with it
      lockClient = replicationClient = undefined
    },
  }
}
