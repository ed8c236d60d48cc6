/**
 * durable-sse: Server-Sent Events backed by your own database. Publish events into an
 * append-only table; every process tails it and streams each topic's events to its subscribers;
 * browsers resume with `Last-Event-ID` and get exactly what they missed.
 * @module
 */
export {
  type Authorize,
  type AuthorizeContext,
  type AuthorizeResult,
  Broker,
  type BrokerOptions,
  type BrokerStats,
  createBroker,
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
  type ErrorCode,
  InvalidEventError,
  InvalidEventIdError,
  InvalidTopicError,
  ListenerNotReceivingError,
  PayloadTooLargeError,
  PublishFailedError,
  type ResetReason,
} from './errors.js'
export {
  type EventDraft,
  type EventInput,
  type EventMap,
  type EventOf,
  type EventRecord,
  RESERVED_TYPES,
  type StoredEvent,
} from './event.js'
export { type MemoryStoreOptions, memoryStore } from './memory-store.js'
export { Poller, type PollerOptions } from './poller.js'
export { Batch } from './sse/batch.js'
export {
  type AppendOptions,
  type EventStore,
  formatEventId,
  newEpoch,
  type ParsedEventId,
  parseEventId,
  type ResumeCheck,
  resumeCheck,
  type TopicCursor,
  type Unsubscribe,
} from './store.js'
export { type EndReason, type Sink, Subscriber, type SubscriberHost } from './subscriber.js'
