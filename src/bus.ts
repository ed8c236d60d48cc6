/**
 * The wake-up bus contract: what a bus (NATS, Redis, or your own) implements so the processes of
 * an app hear of each other's commits without reading the database to find out. A bus carries the
 * committed events themselves, one subject or channel per topic, so a process receives only the
 * topics it tails and, in the steady state, delivers without a read. The database stays the log and
 * the only source of truth: a message that is lost, late, duplicated or reordered costs latency,
 * never an event or an order, because a receiver delivers an event only when it is the next of its
 * topic and reads the store on any gap, on every (re)connect and at the backstop.
 * @module
 */
import type { EventRecord } from './event.js'
import type { Unsubscribe } from './store.js'

/**
 * One message of a topic: committed events, consecutive and in order (`records`), or, when they
 * would not fit in one message, only the topic's head after them (`head`: a wake-up).
 */
export type BusMessage =
  | {
      /** The topic. */
      topic: string
      /** Consecutive committed events of the topic, oldest first. */
      records: readonly EventRecord[]
    }
  | {
      /** The topic. */
      topic: string
      /** The id of the topic's last committed event the sender knew of. */
      head: string
    }

/** What a bus's connection is doing: `'connecting'` (first attempt), `'connected'`, or `'down'` (reconnecting). */
export type BusStatus = 'connecting' | 'connected' | 'down'

/** Where a bus hands what it receives. */
export interface BusReceiver {
  /** A message of a followed topic (at most once per arrival; it may be late, duplicated, reordered, or never come). */
  message(message: BusMessage): void
  /**
   * The bus now gets `topic`'s messages (after `follow`, once its server took the subscription):
   * what was sent before may have been missed, so the receiver reads the topic once.
   */
  subscribed?(topic: string): void
  /** The connection's state changed; after every (re)connect, messages sent meanwhile may be lost: the receiver reads every followed topic. */
  status(status: BusStatus): void
}

/**
 * A wake-up bus between the processes of an app (`natsWake` from `durable-sse/nats`,
 * `redisWake` from `durable-sse/redis`). Implement it to plug in another; the broker takes it as
 * `createBroker(store, { wake })`.
 */
export interface WakeBus {
  /** Starts receiving: messages of followed topics and state changes go to `receiver`; returns the stop. Called once per broker. */
  open(receiver: BusReceiver): Unsubscribe
  /**
   * Sends committed events (those of one append, any topics, in commit order per topic), after
   * their commit. Returns at once: a bus that is down drops them (no offline queue that would
   * hold a publish), and receivers find them in the store.
   */
  send(records: readonly EventRecord[]): void
  /** Starts receiving the messages of `topic` (this process tails it). */
  follow(topic: string): void
  /** Stops receiving the messages of `topic`. */
  unfollow(topic: string): void
  /** What the connection is doing now. */
  status(): BusStatus
  /** Closes the bus's own connection (never a client the caller passed in). */
  close(): Promise<void>
}
