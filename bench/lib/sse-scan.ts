/**
 * A minimal SSE reader for load generators: counts the frames that carry a publish timestamp
 * (`"t":<µs>` in their data) and extracts it, across arbitrary TCP splits, without a full SSE
 * parser. HTTP chunk headers never fall inside a frame (every server under test writes whole
 * frames per chunk), and a frame without `"t":` (retry, connected, heartbeat) is skipped.
 * @module
 */

const T_MARK = Buffer.from('"t":')
const FRAME_END = Buffer.from('\n\n')

/** Per-connection scanner state: the unfinished tail of the last read. */
export class FrameScanner {
  private tail: Buffer | undefined

  /**
   * Feeds one read; calls `onFrame(t)` for each complete timestamped frame, in order, and returns
   * how many there were.
   */
  feed(chunk: Buffer, onFrame: (t: number) => void): number {
    const buffer = this.tail ? Buffer.concat([this.tail, chunk]) : chunk
    this.tail = undefined
    let position = 0
    let frames = 0
    for (;;) {
      const mark = buffer.indexOf(T_MARK, position)
      if (mark < 0) {
        // Keep the last bytes in case a mark is split across reads.
        const keep = Math.max(position, buffer.length - (T_MARK.length - 1))
        if (keep < buffer.length) this.tail = Buffer.from(buffer.subarray(keep))
        return frames
      }
      const end = buffer.indexOf(FRAME_END, mark)
      if (end < 0) {
        this.tail = Buffer.from(buffer.subarray(mark))
        return frames
      }
      let value = 0
      for (let i = mark + T_MARK.length; i < end; i++) {
        const digit = (buffer[i] as number) - 48
        if (digit < 0 || digit > 9) break
        value = value * 10 + digit
      }
      onFrame(value)
      frames++
      position = end + FRAME_END.length
    }
  }
}
