/**
 * WHATWG event-stream parsing cases, shared by the Node test of the fetch transport (against
 * `eventsource-parser`) and the Chromium test (against the browser's own `EventSource`). Each case
 * is a text sent as UTF-8 bytes, cut at the given byte offsets into separate writes.
 */

/** One case: what the server writes, and where it cuts the bytes. */
export interface WireCase {
  name: string
  text: string
  /** Byte offsets where one write ends and the next begins. */
  cuts: number[]
}

const long = 'x'.repeat(100_000)
const utf8 = (text: string) => new TextEncoder().encode(text).length

export const WIRE_CASES: WireCase[] = [
  { name: 'LF line ends', text: 'event: a\ndata: one\n\ndata: two\n\n', cuts: [] },
  { name: 'CR line ends', text: 'event: a\rdata: one\r\rdata: two\r\r', cuts: [] },
  { name: 'CRLF line ends', text: 'event: a\r\ndata: one\r\n\r\ndata: two\r\n\r\n', cuts: [] },
  { name: 'mixed line ends', text: 'data: a\rdata: b\ndata: c\r\n\rdata: d\n\r\n', cuts: [] },
  { name: 'CRLF cut between CR and LF', text: 'data: one\r\n\r\ndata: two\r\n\r\n', cuts: [10, 12] },
  { name: 'U+2028 and U+2029 are not line ends', text: 'data: a\u2028b\u2029c\nid: i\u20281\n\n', cuts: [] },
  { name: 'NUL in data is kept, an id with NUL is ignored', text: 'id: good\ndata: a\0b\n\nid: ba\0d\ndata: c\n\n', cuts: [] },
  { name: 'a 100 KB line in many writes', text: `data: ${long}\n\n`, cuts: [3, 1_000, 50_000, 99_000] },
  { name: 'comments are ignored', text: ': hello\n:\ndata: a\n: between\n\n: heartbeat\n\n', cuts: [] },
  { name: 'retry: sets the delay, a bad one is ignored', text: 'retry: 1500\nretry: 12a\nretry:\ndata: a\n\n', cuts: [] },
  { name: 'one leading BOM is stripped', text: '\ufeffdata: a\n\n', cuts: [1] },
  { name: 'a second BOM is part of the field name', text: '\ufeff\ufeffdata: a\n\ndata: b\n\n', cuts: [] },
  { name: 'a multibyte character cut mid-sequence', text: 'data: 🚀é\n\n', cuts: [utf8('data: ') + 2, utf8('data: 🚀') + 1] },
  { name: 'no space, or two, after the colon', text: 'data:a\ndata:  b\nevent:x\n\n', cuts: [] },
  { name: 'a field without a colon', text: 'data\ndata\n\nevent\ndata: typed?\n\n', cuts: [] },
  { name: 'an empty data buffer dispatches nothing', text: 'event: a\n\nid: 5\nevent: b\ndata: x\n\n', cuts: [] },
  { name: 'unknown fields are ignored', text: 'foo: bar\ndata: a\nDATA: b\n\n', cuts: [] },
  { name: 'an id persists and an empty id clears it', text: 'id: 1\ndata: a\n\ndata: b\n\nid\ndata: c\n\n', cuts: [] },
  { name: 'an unterminated last frame is discarded', text: 'data: kept\n\ndata: lost', cuts: [] },
]

/** The case's bytes, cut into writes. */
export function chunksOf(wire: WireCase): Uint8Array[] {
  const bytes = new TextEncoder().encode(wire.text)
  const edges = [0, ...wire.cuts, bytes.length]
  return edges.slice(1).map((end, index) => bytes.subarray(edges[index], end))
}
