/**
 * durable-sse: Server-Sent Events backed by your own database. Publish events into an
 * append-only table; every process tails it and streams each topic's events to its subscribers;
 * browsers resume with `Last-Event-ID` and get exactly what they missed.
 * @module
 */
export {
  Broker,
  createBroker,
  type Authorize,
  type AuthorizeContext,
  type AuthorizeResult,
  type BrokerOptions,
  type BrokerStats,
  type PublishOptions,
  type RetentionOptions,
  type StreamOptions,
  type SubscribeOptions,
  type Subscription,
} from './broker.js'
export {
  BrokerClosedError,
  CannotResumeError,
  DurableSseError,
  InvalidEventError,
  InvalidEventIdError,
  InvalidTopicError,
  PayloadTooLargeError,
  PublishFailedError,
  type ErrorCode,
  type ResetReason,
} from './errors.js'
export {
  RESERVED_TYPES,
  type EventDraft,
  type EventInput,
  type EventMap,
  type EventOf,
  type EventRecord,
  type StoredEvent,
} from './event.js'
export { memoryStore, type MemoryStoreOptions } from './memory-store.js'
export { Poller, type PollerOptions } from './poller.js'
export {
  formatEventId,
  newEpoch,
  parseEventId,
  resumeCheck,
  type AppendOptions,
  type EventStore,
  type ParsedEventId,
  type ResumeCheck,
  type TopicCursor,
  type Unsubscribe,
} from './store.js'
export type { Delivery } from './sse/frame.js'
export { Subscriber, type EndReason, type SubscriberOptions, type CatchUpSource } from './subscriber.js'
