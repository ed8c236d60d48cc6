/**
 * One logical replication stream of the relay: on a `pg.Client` connected with
 * `replication: 'database'`, `START_REPLICATION` on the slot with `pgoutput` (protocol 1, the
 * relay's publication), decodes what arrives, collects a transaction's inserts into the events
 * table and hands them on at its Commit, then acknowledges the WAL handled, so the slot retains
 * only what has not been handed on yet. Acknowledgements go out every `statusIntervalMs`, at once
 * when the server asks, and when the stream stops; after a crash the slot sends again whatever
 * was not acknowledged (at least once: receivers drop what they already have).
 * @module
 */
import { decodePgOutput, type RelationColumn } from './pgoutput-decoder.js'
import { quoteIdentifier } from './postgres-sql.js'
import { parseServerFrame, standbyStatusUpdate } from './replication-frames.js'

/** The parts of a `pg.Client` (connected with `replication: 'database'`) a stream uses. */
export interface PgReplicationClientLike {
  /** Runs `START_REPLICATION`; settles when the stream ends (rejects with the server's error). */
  query(text: string): Promise<unknown>
  /** `pg`'s connection: the stream's CopyData frames arrive here, and acknowledgements leave here. */
  connection: {
    /** `'copyData'` with each frame from the server. */
    on(event: 'copyData', listener: (message: { chunk: Buffer }) => void): unknown
    /** Sends a CopyData frame. */
    sendCopyFromChunk(chunk: Buffer): void
    /** Sends CopyDone: the stream ends once the server has answered. */
    endCopyFrom(): void
  }
}

/** One committed row of the events table: its columns by name, as text (`null` for NULL). */
export type CommittedRow = Record<string, string | null>

/** Settings of {@link streamSlot}. */
export interface RelayStreamOptions {
  /** The replication slot. */
  slot: string
  /** The publication the slot decodes through. */
  publication: string
  /** The events table, unquoted: only its inserts are handed on. */
  table: {
    /** Its schema. */
    schema: string
    /** Its name. */
    name: string
  }
  /** How often to acknowledge handled WAL when the server does not ask, in ms. */
  statusIntervalMs: number
  /** Takes the inserted rows of one committed transaction (never empty), in insert order. */
  onCommit(rows: CommittedRow[]): void
}

/** A running stream. */
export interface RelayStream {
  /** Settles when the stream ends: resolves after {@link stop}, rejects when it failed. */
  readonly done: Promise<void>
  /** Whether the server has sent anything (the stream started). */
  started(): boolean
  /** Acknowledges what was handled and ends the stream. */
  stop(): void
}

/** Starts streaming the slot on `client`; the client belongs to the stream until it is done. */
export function streamSlot(client: PgReplicationClientLike, options: RelayStreamOptions): RelayStream {
  const relations = new Map<number, RelationColumn[] | undefined>()
  /** Inserts of the open transaction. */
  let pending: CommittedRow[] = []
  let inTransaction = false
  /** Everything before it was handed on. */
  let handled = 0n
  let acknowledged = 0n
  let stopped = false

  const acknowledge = (force = false): void => {
    if (stopped || (!force && handled === acknowledged)) return
    acknowledged = handled
    client.connection.sendCopyFromChunk(standbyStatusUpdate(handled))
  }
  const timer = setInterval(() => acknowledge(), options.statusIntervalMs)
  timer.unref()

  const onMessage = (message: Buffer): void => {
    const decoded = decodePgOutput(message)
    switch (decoded.kind) {
      case 'begin':
        inTransaction = true
        pending = []
        return
      case 'relation': {
        const ours = decoded.namespace === options.table.schema && decoded.name === options.table.name
        relations.set(decoded.relationId, ours ? decoded.columns : undefined)
        return
      }
      case 'insert': {
        const columns = relations.get(decoded.relationId)
        if (columns === undefined) return
        const row: CommittedRow = {}
        columns.forEach((column, i) => {
          row[column.name] = decoded.values[i] ?? null
        })
        pending.push(row)
        return
      }
      case 'commit': {
        const rows = pending
        pending = []
        inTransaction = false
        if (rows.length > 0) options.onCommit(rows)
        if (decoded.endLsn > handled) handled = decoded.endLsn
        return
      }
      default:
    }
  }

  let fail: (error: unknown) => void = () => {}
  const failed = new Promise<never>((_, reject) => {
    fail = reject
  })
  let receiving = false
  client.connection.on('copyData', ({ chunk }) => {
    receiving = true
    if (stopped) return
    try {
      const frame = parseServerFrame(chunk)
      if (frame.kind === 'data') onMessage(frame.message)
      else if (frame.kind === 'keepalive') {
        // Between transactions everything up to the server's WAL end was sent and handled.
        if (!inTransaction && frame.walEnd > handled) handled = frame.walEnd
        if (frame.replyRequested) acknowledge(true)
      }
    } catch (error) {
      stopped = true // nothing more is handled or acknowledged: the next stream starts from here
      fail(error)
    }
  })

  const publication = quoteIdentifier(options.publication).replaceAll("'", "''")
  const streaming = client
    .query(
      `START_REPLICATION SLOT ${quoteIdentifier(options.slot)} LOGICAL 0/0 (proto_version '1', publication_names '${publication}')`,
    )
    .then(
      () => undefined,
      (error: unknown) => {
        if (!stopped) throw error
      },
    )
  const done = Promise.race([streaming, failed]).finally(() => clearInterval(timer))

  return {
    done,
    started: () => receiving,
    stop() {
      if (stopped) return
      acknowledge(true)
      stopped = true
      clearInterval(timer)
      client.connection.endCopyFrom()
    },
  }
}
