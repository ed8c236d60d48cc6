/**
 * Every transition of a topic position (src/topic-position.ts), driven through a real connection
 * with catch-up pages from a real memory store. The test plays the poller: it sets the poller's
 * tail and hands batches over as the poller would, and it decides when a page read answers.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { Batch } from '../src/batch.js'
import { Connection, type ConnectionLimits } from '../src/connection.js'
import type { EventRecord } from '../src/event.js'
import { FailureLog } from '../src/failure-log.js'
import { memoryStore } from '../src/memory-store.js'
import { StorePages } from '../src/page-reader.js'
import { RecordScreen } from '../src/screen.js'
import type { BatchSink, EndReason } from '../src/sink.js'
import type { EventStore, TopicCursor } from '../src/store.js'
import type { TopicPosition } from '../src/topic-position.js'
import { until } from './helpers/wait.js'

const TOPIC = 't'

/** A batch sink that records the ids it is given, and is full while `full` is set. */
class RecordingSink implements BatchSink {
  readonly ids: string[] = []
  full = false
  endedWith: EndReason | undefined

  write(batch: Batch): boolean {
    for (const record of batch.records) this.ids.push(record.id)
    return !this.full
  }

  heartbeat(): void {}

  end(reason: EndReason): void {
    this.endedWith = reason
  }
}

/** A store whose page reads are made at once but answer only when the test lets them (so a batch can overtake one). */
function gatedReads(store: EventStore) {
  const waiting: Array<() => void> = []
  const reads: TopicCursor[][] = []
  const gated: EventStore = {
    ...store,
    readAfter: async (cursors, limit) => {
      reads.push([...cursors])
      const result = await store.readAfter(cursors, limit)
      await new Promise<void>((resolve) => waiting.push(resolve))
      return result
    },
  }
  return {
    store: gated,
    reads,
    /** Lets the oldest waiting read answer; waits for one to be waiting. */
    async answer(): Promise<void> {
      await until(() => waiting.length > 0, 2_000, 'a page read')
      ;(waiting.shift() as () => void)()
    },
  }
}

let store: EventStore
let records: EventRecord[]
let reads: ReturnType<typeof gatedReads>
let tail: string | undefined
let sink: RecordingSink

/** A connection over TOPIC from `start`, with the poller's tail at `tail`; bound to `sink` unless `bound` is false. */
function connect(
  start: string,
  limits: Partial<ConnectionLimits> = {},
  bound = true,
): { connection: Connection; position: TopicPosition } {
  const connection = new Connection([TOPIC], [start], {
    limits: { queueLimit: 100, pageSize: 100, onSlow: 'catch-up', ...limits },
    pages: new StorePages(reads.store, reads.store, new RecordScreen(() => {}), new FailureLog(() => {})),
    tailOf: (topic) => (topic === TOPIC ? tail : undefined),
    ended: () => {},
  })
  connection.begin()
  if (bound) connection.bind(sink)
  return { connection, position: connection.positions[0] as TopicPosition }
}

/** Records `from` to `to` (1-based seqs) as the poller would hand them over, with the id before them. */
function batch(from: number, to: number): [Batch, string] {
  return [new Batch(TOPIC, records.slice(from - 1, to)), (records[from - 2] as EventRecord | undefined)?.id ?? '']
}

const ids = (from: number, to: number): string[] => records.slice(from - 1, to).map((record) => record.id)
const idOf = (seq: number): string => (records[seq - 1] as EventRecord).id

beforeEach(async () => {
  const memory = memoryStore({ epoch: 'e' })
  records = await memory.append(Array.from({ length: 10 }, (_, i) => ({ topic: TOPIC, type: 'n', data: String(i + 1) })))
  store = memory
  reads = gatedReads(store)
  sink = new RecordingSink()
})

describe('a topic position', () => {
  it('begins live when it starts at the poller tail', () => {
    tail = idOf(10)
    const { position } = connect(idOf(10))
    expect(position.state).toBe('live')
    expect(reads.reads).toEqual([])
  })

  it('live: a batch that fits the queue is written, and the position moves past it', () => {
    tail = idOf(4)
    const { position } = connect(idOf(4))
    tail = idOf(7)
    position.receive(...batch(5, 7))
    expect(position.state).toBe('live')
    expect(position.lastId).toBe(idOf(7))
    expect(sink.ids).toEqual(ids(5, 7))
  })

  it('begins behind when short of the tail, and a read starts at once (behind → reading)', () => {
    tail = idOf(10)
    const { position } = connect(idOf(3))
    expect(position.state).toBe('reading')
    expect(reads.reads).toEqual([[{ topic: TOPIC, after: idOf(3) }]])
  })

  it('live → behind when a batch would overflow the queue; once drained it reads what it missed, and rejoins live', async () => {
    tail = idOf(2)
    const { position, connection } = connect(idOf(2), { queueLimit: 3 })
    sink.full = true
    position.receive(...batch(3, 4)) // written; the sink is full now
    position.receive(...batch(5, 6)) // queued: 2 of 3
    position.receive(...batch(7, 8)) // would make 4: falls behind
    expect(position.state).toBe('behind')
    tail = idOf(10)
    position.receive(...batch(9, 10)) // still behind: batches wait in its queue
    expect(position.state).toBe('behind')
    expect(reads.reads).toEqual([]) // no read while its queue waits
    sink.full = false
    connection.drained()
    expect(position.state).toBe('reading')
    expect(reads.reads).toEqual([[{ topic: TOPIC, after: idOf(6) }]])
    await reads.answer()
    await until(() => position.state === 'live')
    expect(sink.ids).toEqual(ids(3, 10))
  })

  it("live with onSlow: 'disconnect': a batch that would overflow the queue ends the connection", () => {
    tail = idOf(2)
    const { position, connection } = connect(idOf(2), { queueLimit: 1, onSlow: 'disconnect' })
    sink.full = true
    position.receive(...batch(3, 3)) // written; the sink is full now
    position.receive(...batch(4, 4)) // queued: 1 of 1
    expect(connection.ended).toBe(false)
    position.receive(...batch(5, 5))
    expect(connection.endReason).toBe('slow')
    expect(sink.endedWith).toBe('slow')
    expect(sink.ids).toEqual(ids(3, 3))
  })

  it('reading → live when the page reaches the tail', async () => {
    tail = idOf(10)
    const { position } = connect(idOf(2))
    expect(position.state).toBe('reading')
    await reads.answer()
    await until(() => position.state !== 'reading')
    expect(position.state).toBe('live')
    expect(sink.ids).toEqual(ids(3, 10))
  })

  it('reading → behind when the page is short of the tail, and it reads the next page', async () => {
    tail = idOf(10)
    const { position } = connect(idOf(2), { pageSize: 3 })
    await reads.answer()
    await until(() => reads.reads.length === 2)
    expect(reads.reads[1]).toEqual([{ topic: TOPIC, after: idOf(5) }])
    expect(position.state).toBe('reading')
    await reads.answer()
    await reads.answer()
    await until(() => position.state === 'live')
    expect(sink.ids).toEqual(ids(3, 10))
  })

  it('reading → waiting when the store has nothing after it and the poller is behind it; the batch that holds it takes it live', async () => {
    tail = idOf(7) // the poller has handed on up to 7: the position, at 10, is ahead of it
    const { position } = connect(idOf(10))
    await reads.answer()
    await until(() => position.state !== 'reading')
    expect(position.state).toBe('waiting')
    tail = idOf(10)
    position.receive(...batch(8, 10)) // the poller's next batch: the position is inside it
    expect(position.state).toBe('live')
    expect(sink.ids).toEqual([]) // 8 to 10 were before its start: nothing written twice
    const [more] = (await store.append([{ topic: TOPIC, type: 'n', data: '11' }])) as [EventRecord]
    position.receive(new Batch(TOPIC, [more]), idOf(10))
    expect(sink.ids).toEqual([more.id])
  })

  it('waiting → behind when a batch ends before it (the poller reads in batches), and it reads again', async () => {
    tail = idOf(7)
    const { position } = connect(idOf(10))
    await reads.answer()
    await until(() => position.state === 'waiting')
    tail = idOf(9)
    position.receive(...batch(8, 9)) // does not reach the position: cannot take it live
    expect(position.state).toBe('reading')
    expect(reads.reads[1]).toEqual([{ topic: TOPIC, after: idOf(10) }])
    await reads.answer()
    await until(() => position.state === 'waiting')
    tail = idOf(10)
    position.receive(...batch(10, 10))
    expect(position.state).toBe('live')
    expect(sink.ids).toEqual([])
  })

  it('reading → overtaken when a batch arrives during the read; short of the tail after the page, it reads again', async () => {
    tail = idOf(4)
    const { position } = connect(idOf(2), { pageSize: 2 }) // reads 3, 4
    tail = idOf(6)
    position.receive(...batch(5, 6)) // the poller moved on while the read was out
    expect(position.state).toBe('overtaken')
    await reads.answer()
    await until(() => reads.reads.length === 2)
    expect(reads.reads[1]).toEqual([{ topic: TOPIC, after: idOf(4) }])
    await reads.answer() // 5, 6: at the tail
    await until(() => position.state === 'live')
    expect(sink.ids).toEqual(ids(3, 6))
  })

  it('overtaken → live when the page reaches the tail the poller moved to', async () => {
    tail = idOf(4)
    const { position } = connect(idOf(2), { pageSize: 4 }) // reads 3 to 6
    tail = idOf(6)
    position.receive(...batch(5, 6))
    expect(position.state).toBe('overtaken')
    await reads.answer()
    await until(() => position.state !== 'overtaken')
    expect(position.state).toBe('live')
    expect(sink.ids).toEqual(ids(3, 6))
    expect(reads.reads).toHaveLength(1)
  })

  it('overtaken with nothing found reads again instead of waiting for a batch already handed on (→ behind)', async () => {
    tail = idOf(8) // the poller is behind the position
    const { position } = connect(idOf(10)) // its read finds nothing after 10
    const more = await store.append([
      { topic: TOPIC, type: 'n', data: '11' },
      { topic: TOPIC, type: 'n', data: '12' },
    ])
    tail = more[1]?.id
    position.receive(new Batch(TOPIC, [...records.slice(8), ...more]), idOf(8)) // 9 to 12, during the read
    expect(position.state).toBe('overtaken')
    await reads.answer() // nothing: the read was made before 11 and 12
    await until(() => reads.reads.length === 2)
    await reads.answer()
    await until(() => position.state === 'live')
    expect(sink.ids).toEqual(more.map((record) => record.id))
  })

  it('behind → live when a batch continues it while nothing is queued (no read needed)', () => {
    tail = idOf(1) // the connection read the head (2) just before the poller got there
    const { position, connection } = connect(idOf(2), {}, false)
    expect(position.state).toBe('behind') // not bound yet: no read
    tail = idOf(4)
    position.receive(...batch(2, 4))
    expect(position.state).toBe('live')
    connection.bind(sink)
    expect(sink.ids).toEqual(ids(3, 4))
    expect(reads.reads).toEqual([])
  })
})
