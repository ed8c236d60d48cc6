/**
 * durable-sse/client: a typed browser client for durable-sse streams, over the native
 * `EventSource`. Imports no server code and no `node:` module, so it bundles for the browser.
 * @example
 * import { connect } from 'durable-sse/client'
 * type AppEvents = { session_updated: { sessionId: string; status: string } }
 * const connection = connect<AppEvents>('/api/projects/p1/events', {
 *   handlers: { session_updated: (event) => console.log(event.payload.status) },
 *   onReset: () => location.reload(),
 * })
 * @module
 */
export { connect } from './connect.js'
export { ClientError, ConnectionFailedError, InvalidEventDataError, type ClientErrorCode } from './errors.js'
export type {
  ConnectOptions,
  Connection,
  ConnectionStatus,
  EventSourceConstructor,
  EventSourceLike,
  Handlers,
  MessageEventLike,
} from './types.js'
export type { EventMap, EventOf, StoredEvent } from '../event.js'
export type { ResetReason } from '../errors.js'
