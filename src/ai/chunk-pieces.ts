/**
 * Splitting a chunk too large for one event: pieces whose JSON stays within `maxBytes`, cut
 * between code points, so that their concatenation is the chunk, exactly.
 * @module
 */

/** Bytes of a `chunk` payload besides its text's JSON (`{"index":…,"text":}`). */
const PAYLOAD_OVERHEAD = 40
/** Most UTF-8 bytes the JSON of one UTF-16 code unit can take (`\u001f`). */
const MAX_BYTES_PER_UNIT = 6

/** `text` cut into pieces whose `chunk` payload is at most `maxBytes` of JSON. */
export function piecesOf(text: string, maxBytes: number): string[] {
  if (text.length * MAX_BYTES_PER_UNIT + PAYLOAD_OVERHEAD <= maxBytes) return [text]
  if (Buffer.byteLength(JSON.stringify(text)) + PAYLOAD_OVERHEAD <= maxBytes) return [text]
  let middle = Math.floor(text.length / 2)
  const unit = text.charCodeAt(middle)
  if (unit >= 0xdc00 && unit <= 0xdfff) middle-- // never split a surrogate pair
  if (middle === 0) return [text]
  return [...piecesOf(text.slice(0, middle), maxBytes), ...piecesOf(text.slice(middle), maxBytes)]
}
