'use client'
/**
 * `useEvents()`: the React hook over {@link connect}, with no stale-handler bug.
 * @module
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'react'
import { connect } from '../client/connect.js'
import type { ClientError } from '../client/errors.js'
import type { Connection, ConnectionStatus, ConnectOptions, Handlers } from '../client/types.js'
import type { EventMap } from '../event.js'

/**
 * Options of {@link useEvents}: those of {@link connect} but the handlers. The callbacks are always
 * the latest render's; `headers` and `fetch` too, from the next (re)connection on. Which
 * transport to use (`EventSource`, `headers`/`fetch` given at all, `shared`), `lastEventId`,
 * `withCredentials` and the backoff are read when a connection opens (a change does not reconnect).
 */
export type UseEventsOptions = Pick<
  ConnectOptions<EventMap>,
  | 'onReset'
  | 'onStatus'
  | 'onError'
  | 'lastEventId'
  | 'withCredentials'
  | 'EventSource'
  | 'headers'
  | 'fetch'
  | 'shared'
  | 'backoffMs'
  | 'maxBackoffMs'
>

/** Runs after every commit and before the browser dispatches another event; a plain effect on the server. */
const useCommitEffect = typeof document === 'undefined' ? useEffect : useLayoutEffect

/**
 * Subscribes a component to a durable-sse stream: one connection per `url` (`null` for none),
 * re-subscribed when `url` changes and closed on unmount. Each event goes to the handler of the
 * latest render, without reconnecting, so handlers may close over fresh props and state. Returns
 * the connection's status.
 * @example
 * type AppEvents = { session_updated: { sessionId: string; status: string } }
 * function Sessions({ projectId }: { projectId: string }) {
 *   const [sessions, setSessions] = useState<Record<string, string>>({})
 *   const status = useEvents<AppEvents>(`/api/projects/${projectId}/events`, {
 *     session_updated: ({ payload }) => setSessions((all) => ({ ...all, [payload.sessionId]: payload.status })),
 *   }, { onReset: () => refetch() })
 *   return <p>{status}</p>
 * }
 */
export function useEvents<Events extends EventMap = EventMap>(
  url: string | null,
  handlers: Handlers<Events>,
  options: UseEventsOptions = {},
): ConnectionStatus {
  // The status belongs to one url: after a url change, the old connection's status never shows.
  const [state, setState] = useState<{ url: string | null; status: ConnectionStatus }>({ url, status: 'connecting' })
  const latest = useRef({ handlers, options })
  const connection = useRef<Connection<Events> | null>(null)

  useCommitEffect(() => {
    latest.current = { handlers, options }
    connection.current?.setHandlers(handlers)
  })

  useEffect(() => {
    if (url === null) {
      setState({ url, status: 'closed' })
      return
    }
    let active = true
    const { handlers: initial, options: opening } = latest.current
    const latestHeaders = async (): Promise<HeadersInit | undefined> => {
      const { headers } = latest.current.options
      return typeof headers === 'function' ? await headers() : headers
    }
    const opened = connect<Events>(url, {
      handlers: initial,
      lastEventId: opening.lastEventId,
      withCredentials: opening.withCredentials,
      EventSource: opening.EventSource,
      shared: opening.shared,
      backoffMs: opening.backoffMs,
      maxBackoffMs: opening.maxBackoffMs,
      headers: opening.headers === undefined ? undefined : async () => (await latestHeaders()) ?? {},
      fetch:
        opening.fetch === undefined ? undefined : (input, init) => (latest.current.options.fetch ?? opening.fetch)!(input, init),
      onStatus: (next) => {
        if (!active) return
        setState({ url, status: next })
        latest.current.options.onStatus?.(next)
      },
      onReset: (reason, reset) => {
        if (active) latest.current.options.onReset?.(reason, reset)
      },
      onError: (error: ClientError) => {
        if (!active) return
        const onError = latest.current.options.onError
        if (onError) onError(error)
        else console.error('[durable-sse]', error)
      },
    })
    connection.current = opened
    return () => {
      active = false
      if (connection.current === opened) connection.current = null
      opened.close()
    }
  }, [url])

  if (url === null) return 'closed'
  return state.url === url ? state.status : 'connecting'
}
