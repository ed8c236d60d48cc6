/**
 * Decodes the messages of Postgres's built-in `pgoutput` logical decoding plugin, protocol
 * version 1 (PostgreSQL docs, "Logical Replication Message Formats"): Begin, Commit, Relation and
 * Insert, the ones the relay acts on. Every other message (Update, Delete, Truncate, Type, Origin,
 * logical decoding messages) comes back as `other`; the relay's publication publishes only inserts.
 * Column values arrive in their text form (`null` for SQL NULL).
 * @module
 */

/** A column of a published table, as a Relation message describes it. */
export interface RelationColumn {
  /** The column's name. */
  name: string
  /** Whether it is part of the table's replica identity key. */
  key: boolean
  /** The oid of its type. */
  typeOid: number
}

/** One decoded `pgoutput` message. */
export type PgOutputMessage =
  | {
      /** A transaction starts; its changes and Commit follow. */
      kind: 'begin'
      /** The LSN of its commit record. */
      finalLsn: bigint
      /** Its transaction id. */
      xid: number
    }
  | {
      /** A transaction committed; everything since its Begin is committed. */
      kind: 'commit'
      /** The LSN of its commit record. */
      commitLsn: bigint
      /** The LSN just past it: acknowledging this one says the transaction was handled. */
      endLsn: bigint
    }
  | {
      /** The description of a published table (sent before its first change, and after its schema changes). */
      kind: 'relation'
      /** The table's oid, which later changes name. */
      relationId: number
      /** Its schema (empty for `pg_catalog`). */
      namespace: string
      /** Its name. */
      name: string
      /** Its columns, in the order of tuple values. */
      columns: RelationColumn[]
    }
  | {
      /** A row was inserted. */
      kind: 'insert'
      /** The table's oid (see `relation`). */
      relationId: number
      /** The new row's values in column order, as text; `null` for NULL. */
      values: Array<string | null>
    }
  | {
      /** A message the relay does not act on. */
      kind: 'other'
      /** Its one-letter tag. */
      tag: string
    }

/** A `pgoutput` message that does not follow the format it claims. */
export class PgOutputFormatError extends Error {
  constructor(message: string) {
    super(`durable-sse/postgres relay: malformed pgoutput message (${message})`)
    this.name = 'PgOutputFormatError'
  }
}

/** Reads a message front to back, checking every length against the buffer. */
class Reader {
  private offset = 0
  constructor(private readonly buffer: Buffer) {}

  private need(bytes: number): number {
    const at = this.offset
    if (at + bytes > this.buffer.length) throw new PgOutputFormatError(`${bytes} bytes needed at offset ${at}`)
    this.offset += bytes
    return at
  }
  int8(): number {
    return this.buffer.readUInt8(this.need(1))
  }
  int16(): number {
    return this.buffer.readInt16BE(this.need(2))
  }
  int32(): number {
    return this.buffer.readInt32BE(this.need(4))
  }
  uint32(): number {
    return this.buffer.readUInt32BE(this.need(4))
  }
  int64(): bigint {
    return this.buffer.readBigUInt64BE(this.need(8))
  }
  /** A NUL-terminated string. */
  string(): string {
    const end = this.buffer.indexOf(0, this.offset)
    if (end < 0) throw new PgOutputFormatError(`unterminated string at offset ${this.offset}`)
    const text = this.buffer.toString('utf8', this.offset, end)
    this.offset = end + 1
    return text
  }
  bytes(length: number): string {
    const at = this.need(length)
    return this.buffer.toString('utf8', at, at + length)
  }
}

/** TupleData: a count, then per column `n` (NULL), `u` (unchanged TOAST, never in an insert) or `t` (text). */
function tuple(reader: Reader): Array<string | null> {
  const count = reader.int16()
  const values: Array<string | null> = []
  for (let i = 0; i < count; i++) {
    const kind = String.fromCharCode(reader.int8())
    if (kind === 't') values.push(reader.bytes(reader.int32()))
    else if (kind === 'n' || kind === 'u') values.push(null)
    else throw new PgOutputFormatError(`column kind ${JSON.stringify(kind)}`)
  }
  return values
}

/** Decodes one `pgoutput` message (the payload of an XLogData frame). */
export function decodePgOutput(message: Buffer): PgOutputMessage {
  const reader = new Reader(message)
  const tag = String.fromCharCode(reader.int8())
  switch (tag) {
    case 'B': {
      const finalLsn = reader.int64()
      reader.int64() // commit time
      return { kind: 'begin', finalLsn, xid: reader.uint32() }
    }
    case 'C': {
      reader.int8() // flags
      const commitLsn = reader.int64()
      return { kind: 'commit', commitLsn, endLsn: reader.int64() }
    }
    case 'R': {
      const relationId = reader.uint32()
      const namespace = reader.string()
      const name = reader.string()
      reader.int8() // replica identity
      const count = reader.int16()
      const columns: RelationColumn[] = []
      for (let i = 0; i < count; i++) {
        const key = (reader.int8() & 1) === 1
        const columnName = reader.string()
        const typeOid = reader.uint32()
        reader.int32() // type modifier
        columns.push({ name: columnName, key, typeOid })
      }
      return { kind: 'relation', relationId, namespace, name, columns }
    }
    case 'I': {
      const relationId = reader.uint32()
      const marker = String.fromCharCode(reader.int8())
      if (marker !== 'N') throw new PgOutputFormatError(`insert tuple marker ${JSON.stringify(marker)}`)
      return { kind: 'insert', relationId, values: tuple(reader) }
    }
    default:
      return { kind: 'other', tag }
  }
}
