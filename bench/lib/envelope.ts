/**
 * The bytes the ceilings and the peer send: the same `id` / `event` / `data` frame, with the same
 * JSON envelope `{id, type, topic, payload, createdAt}`, that durable-sse writes for an event, so
 * every contender moves the same number of bytes.
 * @module
 */

/** The benchmark payload: the scheduled publish time (µs) and padding to a target size. */
export interface BenchPayload {
  /** Scheduled publish time, µs on the machine-wide monotonic clock. */
  t: number
  /** Padding. */
  pad: string
}

/** A payload whose JSON is about `bytes` long. */
export function payload(t: number, bytes: number): BenchPayload {
  return { t, pad: 'x'.repeat(Math.max(0, bytes - 32)) }
}

/** The `data:` JSON of durable-sse's frame for an event. */
export function envelopeJson(id: string, type: string, topic: string, payloadJson: string, createdAt: string): string {
  return `{"id":${JSON.stringify(id)},"type":${JSON.stringify(type)},"topic":${JSON.stringify(topic)},"payload":${payloadJson},"createdAt":${JSON.stringify(createdAt)}}`
}

/** The whole SSE frame, as durable-sse writes it. */
export function sseFrame(id: string, type: string, topic: string, payloadJson: string, createdAt: string): string {
  return `id: ${id}\nevent: ${type}\ndata: ${envelopeJson(id, type, topic, payloadJson, createdAt)}\n\n`
}

/** Response headers every SSE server here sends (durable-sse's set). */
export const SSE_HEADERS: Record<string, string> = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
  Connection: 'keep-alive',
}

/** The topic a request asks for (`?topic=`), or `'t0'`. */
export function topicOf(url: string | undefined): string {
  const query = (url ?? '').split('?')[1] ?? ''
  for (const part of query.split('&')) {
    const [key, value] = part.split('=')
    if (key === 'topic' && value) return decodeURIComponent(value)
  }
  return 't0'
}
