/**
 * What every bundled bus keeps the same way: its state, the topics it follows, and where what
 * arrives goes (decoded with `bus-codec.ts`; what does not decode is ignored).
 * @module
 */
import type { BusReceiver, BusStatus } from './bus.js'
import { decodeMessage } from './bus-codec.js'
import type { Unsubscribe } from './store.js'

/** The default largest message a bundled bus sends, in bytes; larger sends go as a wake-up. */
const DEFAULT_MAX_MESSAGE_BYTES = 1_048_576

/** The options every bundled bus takes beside its prefix, with their defaults filled in. */
export function busClientOptions(options: {
  maxMessageBytes?: number
  reconnectWaitMs?: number
  onError?: (error: unknown) => void
}): { maxMessageBytes: number; reconnectWaitMs: number; onError: (error: unknown) => void } {
  const {
    maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES,
    reconnectWaitMs = 250,
    onError = (error: unknown) => console.error('[durable-sse]', error),
  } = options
  return { maxMessageBytes, reconnectWaitMs, onError }
}

/** One bus's receiving end: its state, followed topics and receiver. */
export class BusEndpoint {
  /** The connection's state. */
  status: BusStatus = 'connecting'
  /** The topics followed, by topic. */
  readonly followed = new Set<string>()
  private receiver: BusReceiver | undefined

  /** Hands what arrives to `receiver` until the returned stop. */
  open(receiver: BusReceiver): Unsubscribe {
    this.receiver = receiver
    return () => {
      this.receiver = undefined
    }
  }

  /** The connection's state is now `status`: the receiver hears of a change (and of every (re)connect). */
  changed(status: BusStatus): void {
    if (status === this.status && status !== 'connected') return
    this.status = status
    this.receiver?.status(status)
  }

  /** The server now sends `topic`'s messages here: the receiver reads it once for what was sent before. */
  subscribed(topic: string): void {
    if (this.followed.has(topic)) this.receiver?.subscribed?.(topic)
  }

  /** A message's text arrived: decoded and handed on when it is one of a followed topic. */
  arrived(text: string): void {
    const message = decodeMessage(text)
    if (message && this.followed.has(message.topic)) this.receiver?.message(message)
  }
}
