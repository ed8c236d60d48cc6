/**
 * An SSE stream's writer: it takes its connection's batches, frames them, and writes the bytes
 * into the transport's byte sink. A one-topic stream writes each batch's frames, made once and
 * shared by every stream. A stream over several topics keeps its cursor (its position in every
 * topic, the text of each `id:` line) and moves it here, once per batch; streams whose cursor
 * text is the same share one buffer per batch.
 * @module
 */
import type { Batch } from '../batch.js'
import type { Connection } from '../connection.js'
import { StreamCursor, type TopicNames } from '../cursor.js'
import type { EventRecord } from '../event.js'
import { cursorEventFrame, encodeFrames, farewellFrame, HEARTBEAT_FRAME, type IdLine, idLine } from '../frame.js'
import type { BatchSink, ByteSink, EndReason } from '../sink.js'
import type { OpenStream, SseStream } from './stream-start.js'

/** Frames a connection's batches as SSE and writes the bytes into a transport. */
export class SseWriter implements BatchSink {
  private readonly sink: ByteSink
  private readonly retryMs: number
  /** The stream's position in each topic, for a stream over several topics (one-topic streams send the event's own id). */
  private readonly cursor: StreamCursor | undefined
  /** The `id:` line bytes around the topic written last, while its cursor text holds. */
  private line: IdLine | undefined

  /** `topics` sorted (names, or the connection's positions), `starts` where the stream starts in each. */
  constructor(sink: ByteSink, topics: TopicNames, starts: readonly string[], retryMs: number) {
    this.sink = sink
    this.retryMs = retryMs
    this.cursor = topics.length > 1 ? new StreamCursor(topics, starts) : undefined
  }

  write(batch: Batch): boolean {
    const { cursor } = this
    return this.sink.write(cursor ? this.framesOver(cursor, batch) : batch.frames())
  }

  heartbeat(): void {
    this.sink.write(HEARTBEAT_FRAME)
  }

  end(reason: EndReason): void {
    try {
      if (reason !== 'closed') this.sink.write(farewellFrame(reason === 'shutdown', this.retryMs))
    } finally {
      this.sink.end(reason) // even when the farewell threw: the transport is ended
    }
  }

  /** The frames of `batch` with the cursor after each event as its `id:`; moves the cursor past the batch. */
  private framesOver(cursor: StreamCursor, batch: Batch): Uint8Array {
    const index = cursor.indexOf(batch.topic)
    const around = cursor.around(index)
    if (this.line?.key !== around.key) this.line = idLine(around)
    const frames = batch.framesAround(cursor.sharedPrefix, this.line)
    if (!frames) return this.framesAcrossPrefixes(cursor, index, batch)
    cursor.set(index, (batch.records[batch.size - 1] as EventRecord).id)
    return frames
  }

  /** {@link SseWriter.framesOver} when an id does not share the cursor's prefix (another epoch): the cursor is rebuilt at each event. */
  private framesAcrossPrefixes(cursor: StreamCursor, index: number, batch: Batch): Uint8Array {
    const texts = batch.records.map((record) => {
      cursor.set(index, record.id)
      return cursorEventFrame(record, cursor.text())
    })
    return encodeFrames(texts.join(''))
  }
}

/**
 * What a transport calls to run `connection` as an SSE stream: writes `prelude` (`retry:`, any
 * `reset`, `connected`) into the sink, then the connection's batches from `starts`.
 */
export function sseOpener(
  connection: Connection,
  starts: readonly string[],
  prelude: string,
  retryMs: number,
): OpenStream['open'] {
  return (sink: ByteSink): SseStream => {
    const writer = new SseWriter(sink, connection.positions, starts, retryMs)
    connection.bind(writer, !sink.write(encodeFrames(prelude)))
    return connection
  }
}
