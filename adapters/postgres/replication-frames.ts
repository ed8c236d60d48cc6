/**
 * The streaming replication protocol's frames inside CopyData (PostgreSQL docs, "Streaming
 * Replication Protocol"): the server's XLogData (`w`, one logical decoding message) and Primary
 * keepalive (`k`), the client's Standby status update (`r`, which acknowledges how far WAL was
 * handled so the slot can release it).
 * @module
 */

/** A frame from the server. */
export type ServerFrame =
  | {
      /** XLogData: one message of the output plugin. */
      kind: 'data'
      /** The WAL position the message starts at. */
      start: bigint
      /** The server's current end of WAL. */
      walEnd: bigint
      /** The message. */
      message: Buffer
    }
  | {
      /** Primary keepalive. */
      kind: 'keepalive'
      /** The server's current end of WAL (everything before it was sent). */
      walEnd: bigint
      /** The server asks for a status update at once (else it ends the connection at `wal_sender_timeout`). */
      replyRequested: boolean
    }
  | {
      /** A frame of another kind. */
      kind: 'other'
    }

/** Microseconds between the Unix epoch and Postgres's (2000-01-01). */
const POSTGRES_EPOCH_MICROS = 946_684_800_000_000n

/** Reads one CopyData payload of a replication stream. */
export function parseServerFrame(chunk: Buffer): ServerFrame {
  const tag = chunk[0]
  if (tag === 0x77 /* w */ && chunk.length >= 25) {
    return { kind: 'data', start: chunk.readBigUInt64BE(1), walEnd: chunk.readBigUInt64BE(9), message: chunk.subarray(25) }
  }
  if (tag === 0x6b /* k */ && chunk.length >= 18) {
    return { kind: 'keepalive', walEnd: chunk.readBigUInt64BE(1), replyRequested: chunk[17] === 1 }
  }
  return { kind: 'other' }
}

/** A Standby status update: WAL up to `lsn` is written, flushed and applied (the slot may drop what precedes it). */
export function standbyStatusUpdate(lsn: bigint, now = Date.now()): Buffer {
  const frame = Buffer.alloc(34)
  frame[0] = 0x72 // r
  frame.writeBigUInt64BE(lsn, 1)
  frame.writeBigUInt64BE(lsn, 9)
  frame.writeBigUInt64BE(lsn, 17)
  frame.writeBigUInt64BE(BigInt(now) * 1000n - POSTGRES_EPOCH_MICROS, 25)
  frame[33] = 0 // no reply requested
  return frame
}
