/**
 * Screening what a store returns before it reaches a subscriber. `publish()` validates every event
 * it writes, but a row written by another program may hold anything, and the wire promise ("nothing
 * unsafe reaches the wire") must hold for what is read too. Each record is checked once where it
 * is read (the poller's reads and catch-up pages), so framing can trust what it is given.
 * @module
 */
import { CorruptEventError } from './errors.js'
import { type EventRecord, RESERVED_TYPES } from './event.js'

const UNSAFE_CHARACTER = /[\r\n\0]/
const LINE_BREAK = /[\r\n]/g
/** Ids go on the `id:` line and into `Last-Event-ID`: printable ASCII without spaces, bounded. */
const WIRE_ID = /^[\x21-\x7e]{1,200}$/
/** How many reported ids are remembered, so a corrupt event read again (catch-up, replay) is reported once. */
const REMEMBERED_REPORTS = 10_000

/** Why a field would be unsafe on an SSE line, or `undefined` when it is safe. */
function fieldProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return 'is not a non-empty string'
  if (UNSAFE_CHARACTER.test(value)) return 'holds CR, LF or NUL'
  if (!value.isWellFormed()) return 'holds a lone surrogate'
  return undefined
}

/** Why `record`, read for `topic`, must not reach the wire, or `undefined` when it may. */
function problemOf(record: EventRecord, topic: string): string | undefined {
  if (record.topic !== topic) return `its topic ${JSON.stringify(record.topic)} is not the topic read`
  if (typeof record.id !== 'string' || !WIRE_ID.test(record.id)) return 'its id is not printable ASCII'
  const typeProblem = fieldProblem(record.type)
  if (typeProblem) return `its type ${typeProblem}`
  if (RESERVED_TYPES.has(record.type)) return `its type ${JSON.stringify(record.type)} is reserved`
  if (typeof record.data !== 'string') return 'its data is not text'
  try {
    JSON.parse(record.data)
  } catch {
    return 'its data is not JSON'
  }
  return undefined
}

/** Checks records read from a store; reports each corrupt one once. One per broker. */
export class RecordScreen {
  private readonly report: (error: CorruptEventError) => void
  private readonly reported = new Set<string>()

  constructor(report: (error: CorruptEventError) => void) {
    this.report = report
  }

  /**
   * The records of `topic` that may reach the wire, in order: corrupt ones are left out (and
   * reported), valid JSON spread over several lines is joined into one (raw line breaks in valid
   * JSON are whitespace between tokens). The same array when every record passes as it is.
   */
  pass(topic: string, records: readonly EventRecord[]): readonly EventRecord[] {
    let passed: EventRecord[] | undefined
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as EventRecord
      const problem = problemOf(record, topic)
      const multiLine = problem === undefined && UNSAFE_CHARACTER.test(record.data)
      if (problem === undefined && !multiLine) {
        passed?.push(record)
        continue
      }
      passed ??= records.slice(0, i)
      if (multiLine) passed.push({ ...record, data: record.data.replace(LINE_BREAK, ' ') })
      else this.reportOnce(new CorruptEventError(topic, String(record.id), problem as string))
    }
    return passed ?? records
  }

  private reportOnce(error: CorruptEventError): void {
    const key = `${error.topic}\n${error.id}`
    if (this.reported.has(key)) return
    if (this.reported.size >= REMEMBERED_REPORTS) this.reported.clear()
    this.reported.add(key)
    this.report(error)
  }
}
