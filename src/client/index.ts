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

export type { ResetReason } from '../errors.js'
export type { EventMap, EventOf, StoredEvent } from '../event.js'
export { connect } from './connect.js'
export { ClientError, type ClientErrorCode, ConnectionFailedError, InvalidEventDataError } from './errors.js'
export type {
  Connection,
  ConnectionStatus,
  ConnectOptions,
  EventSourceConstructor,
  EventSourceLike,
  Handlers,
  MessageEventLike,
} from './types.js'
