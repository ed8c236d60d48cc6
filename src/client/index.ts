/**
 * durable-sse/client: a typed browser client for durable-sse streams that recovers from any
 * outage by itself. Over the native `EventSource` by default; over `fetch` when requests need
 * headers; optionally one stream per browser shared by its tabs. Imports no server code and no
 * `node:` module, so it bundles for the browser; the fetch transport and the sharing code are
 * separate chunks loaded only when an option asks for them.
 * @example
 * import { connect } from 'durable-sse/client'
 * type AppEvents = { session_updated: { sessionId: string; status: string } }
 * const connection = connect<AppEvents>('/api/projects/p1/events', {
 *   handlers: { session_updated: (event) => console.log(event.payload.status) },
 *   onReset: () => location.reload(),
 * })
 * @module
 */

export type { ResetReason } from '../errors.js'
export type { EventMap, EventOf, StoredEvent } from '../event.js'
export { connect } from './connect.js'
export { ClientError, type ClientErrorCode, ConnectionFailedError, InvalidEventDataError, UnauthorizedError } from './errors.js'
export type {
  Connection,
  ConnectionStatus,
  ConnectOptions,
  EventSourceConstructor,
  EventSourceLike,
  FetchLike,
  Handlers,
  HeadersOption,
  MessageEventLike,
  ResetDetail,
} from './types.js'
