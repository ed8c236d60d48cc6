/**
 * durable-sse: Server-Sent Events backed by your own database. Publish events into an
 * append-only table; every process tails it and streams each topic's events to its subscribers;
 * browsers resume with `Last-Event-ID` and get exactly what they missed.
 * @module
 */
export type { Authorize, AuthorizeContext, AuthorizeResult } from './authorize.js'
export {
  Broker,
  type BrokerStats,
  createBroker,
  type HandlerOptions,
  type HandlerResult,
  type RouteHandlerContext,
  type Snapshot,
  type StreamOptions,
} from './broker.js'
export type { BusMessage, BusReceiver, BusStatus, WakeBus } from './bus.js'
export {
  BrokerClosedError,
  CannotResumeError,
  CorruptEventError,
  DatabaseReplacedError,
  DurableSseError,
  type ErrorCode,
  InvalidEventError,
  InvalidEventIdError,
  InvalidTopicError,
  ListenerNotReceivingError,
  PayloadTooLargeError,
  PublishFailedError,
  RelayUnavailableError,
  type RelayUnavailableReason,
  type ResetReason,
  SlowConsumerError,
  StoreClosedError,
  StoreNotMigratedError,
  StoreTimeoutError,
  StoreUnavailableError,
  type TopicReset,
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
export type { EventFilter } from './event-filter.js'
export { formatEventId, isEventId, newEpoch, ownSeq, type ParsedEventId, parseEventId, resumeCheck } from './event-id.js'
export type { BrokerHealth, HealthOptions, PollerCheck, ReadsCheck, RelayCheck, StoreCheck, WakeCheck } from './health.js'
export { type MemoryStoreOptions, memoryStore } from './memory-store.js'
export type { BrokerOptions, RetentionOptions } from './options.js'
export type { PublishOptions, TransactionRunner } from './publisher.js'
export type {
  AppendOptions,
  EventStore,
  ReadStatus,
  RelayRole,
  ReplicaReadStatus,
  ResumeCheck,
  StoreSnapshot,
  TopicChanges,
  TopicCursor,
  Unsubscribe,
  WakeStatus,
} from './store.js'
export type { FailingOperation } from './store-health.js'
export type { SubscribeOptions, Subscription } from './subscription.js'
