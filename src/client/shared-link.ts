/**
 * One stream per browser, shared by the tabs of an origin that connect to the same URL. The tabs
 * elect a leader with a Web Lock named after the URL; the leader holds the stream over the fetch
 * transport (which sees frames of every type) and relays each frame, status change and failure to
 * the other tabs on a BroadcastChannel of the same name. A tab that joins asks the leader where
 * the stream stands. When the leader's tab closes, the browser releases its lock and the next tab
 * in line takes over, resuming after the last event id it has; every tab drops the events it has
 * already handled (by id, over the last few hundred), so the hand-off neither loses nor repeats.
 * @module
 */
import { type ClientError, ConnectionFailedError, UnauthorizedError } from './errors.js'
import { openFetchLink } from './fetch-link.js'
import type { Frame, Link, LinkOptions, LinkSink } from './link.js'

/** How many recent event ids each tab remembers to drop what a new leader replays (a hand-off overlaps by a few frames). */
const REMEMBERED_IDS = 256

/** A relayed failure: enough to rebuild the same error class in every tab. */
type WireError = { status: number | undefined; detail: string | undefined }

/** What travels on the channel. */
type Message =
  | { kind: 'hello' }
  | { kind: 'state'; open: boolean; lastEventId: string | undefined }
  | { kind: 'frame'; frame: Frame }
  | { kind: 'reconnecting' }
  | { kind: 'failed' | 'stopped'; error: WireError | undefined }

function toWire(error: ClientError | undefined): WireError | undefined {
  return error instanceof ConnectionFailedError ? { status: error.status, detail: error.detail } : undefined
}

function fromWire(error: WireError | undefined, retrying: boolean): ConnectionFailedError | undefined {
  if (!error) return undefined
  if (error.status === 401 || error.status === 403) return new UnauthorizedError(error.status)
  return new ConnectionFailedError(error.status, error.detail, { retrying })
}

/** Joins the tabs sharing `options.url`; leads when elected. Needs Web Locks and BroadcastChannel (connect checks). */
export function openSharedLink(options: LinkOptions, sink: LinkSink): Link {
  const base = typeof location === 'object' ? location.href : undefined
  const name = `durable-sse ${new URL(options.url, base).href}`
  const channel = new BroadcastChannel(name)
  const election = new AbortController()
  const seen = new Set<string>()
  let leading: Link | undefined
  let resign: (() => void) | undefined
  let open = false
  let closed = false

  const post = (message: Message): void => {
    if (!closed) channel.postMessage(message)
  }

  /** Hands a frame to this tab's connection, once. */
  const apply = (frame: Frame): void => {
    let delivered = frame
    if (frame.id && frame.type !== 'connected' && frame.type !== 'reset') {
      if (seen.has(frame.id)) return
      seen.add(frame.id)
      if (seen.size > REMEMBERED_IDS) seen.delete(seen.values().next().value as string)
    }
    // A new leader's stream starts from a position this tab may have passed: keep this tab's own.
    if (frame.type === 'connected') {
      open = true
      if (frame.id && seen.has(frame.id)) delivered = { ...frame, id: undefined }
    }
    sink.frame(delivered)
  }

  channel.onmessage = (event: MessageEvent<Message>) => {
    const message = event.data
    if (closed) return
    if (message.kind === 'hello') {
      if (leading) post({ kind: 'state', open, lastEventId: sink.lastEventId() })
      return
    }
    if (leading) return
    switch (message.kind) {
      case 'state':
        if (message.open && !open) {
          apply({ type: 'connected', data: '{}', id: sink.lastEventId() === undefined ? message.lastEventId : undefined })
        }
        return
      case 'frame':
        return apply(message.frame)
      case 'reconnecting':
        open = false
        return sink.reconnecting()
      case 'failed': {
        const error = fromWire(message.error, true)
        if (error) sink.failed(error)
        return
      }
      case 'stopped':
        return sink.stopped(fromWire(message.error, false))
    }
  }

  /** Runs while this tab holds the lock: the stream, relayed. */
  const lead = (): Promise<void> => {
    if (closed) return Promise.resolve()
    if (open) {
      open = false
      post({ kind: 'reconnecting' })
      sink.reconnecting()
    }
    leading = openFetchLink(options, {
      lastEventId: sink.lastEventId,
      frame: (frame) => {
        post({ kind: 'frame', frame })
        apply(frame)
      },
      reconnecting: () => {
        open = false
        post({ kind: 'reconnecting' })
        sink.reconnecting()
      },
      failed: (error) => {
        post({ kind: 'failed', error: toWire(error) })
        sink.failed(error)
      },
      stopped: (error) => {
        post({ kind: 'stopped', error: toWire(error) })
        sink.stopped(error)
      },
    })
    return new Promise((resolve) => {
      resign = resolve
    })
  }

  post({ kind: 'hello' })
  navigator.locks.request(name, { signal: election.signal }, lead).catch(() => {})

  return {
    listen() {},
    close() {
      if (closed) return
      closed = true
      election.abort()
      leading?.close()
      resign?.()
      channel.close()
    },
  }
}
