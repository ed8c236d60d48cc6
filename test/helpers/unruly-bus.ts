/**
 * An in-process bus between brokers that misbehaves on purpose: it drops, duplicates, delays
 * (so reorders) and shrinks messages to wake-ups, at rates a test sets, with a seeded random
 * source. Messages go through the bundled buses' codec. Brokers in one test process sharing a
 * store and a hub stand for an app's processes.
 */
import type { BusMessage, BusReceiver, BusStatus, WakeBus } from '../../src/bus.js'
import { decodeMessage, encodeMessages } from '../../src/bus-codec.js'
import type { EventRecord } from '../../src/event.js'

/** How badly the hub behaves: each a probability per delivery, and the longest delay. */
export interface Misbehaviour {
  drop: number
  duplicate: number
  headOnly: number
  maxDelayMs: number
}

/** A well-behaved hub: every message once, at once, in order. */
export const POLITE: Misbehaviour = { drop: 0, duplicate: 0, headOnly: 0, maxDelayMs: 0 }

/** A seeded random source in [0, 1) (mulberry32). */
function seeded(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

interface Endpoint {
  receiver: BusReceiver | undefined
  followed: Set<string>
}

/** The hub; `bus()` makes one broker's end of it. */
export class UnrulyHub {
  /** Messages handed to receivers (copies counted). */
  delivered = 0
  /** Messages dropped on purpose. */
  dropped = 0
  /** Extra copies delivered. */
  duplicated = 0
  private readonly endpoints = new Set<Endpoint>()
  private readonly random: () => number
  private readonly misbehaviour: Misbehaviour
  private readonly timers = new Set<ReturnType<typeof setTimeout>>()

  constructor(misbehaviour: Misbehaviour, seed = 1) {
    this.misbehaviour = misbehaviour
    this.random = seeded(seed)
  }

  /** A bus for one broker. */
  bus(): WakeBus {
    const endpoint: Endpoint = { receiver: undefined, followed: new Set() }
    this.endpoints.add(endpoint)
    return {
      open: (receiver) => {
        endpoint.receiver = receiver
        queueMicrotask(() => receiver.status('connected'))
        return () => {
          endpoint.receiver = undefined
        }
      },
      send: (records) => this.send(records),
      follow: (topic) => endpoint.followed.add(topic),
      unfollow: (topic) => endpoint.followed.delete(topic),
      status: (): BusStatus => 'connected',
      close: async () => {
        this.endpoints.delete(endpoint)
      },
    }
  }

  /** Cancels messages still delayed. */
  close(): void {
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
  }

  private send(records: readonly EventRecord[]): void {
    const { drop, duplicate, headOnly } = this.misbehaviour
    for (const { topic, text } of encodeMessages(records, 1_000_000)) {
      for (const endpoint of this.endpoints) {
        if (!endpoint.followed.has(topic)) continue
        if (this.random() < drop) {
          this.dropped++
          continue
        }
        const copies = this.random() < duplicate ? 2 : 1
        this.duplicated += copies - 1
        for (let i = 0; i < copies; i++) {
          const message = decodeMessage(text) as BusMessage
          const wakeUp = this.random() < headOnly && 'records' in message
          this.deliver(endpoint, wakeUp ? { topic, head: (message.records.at(-1) as EventRecord).id } : message)
        }
      }
    }
  }

  private deliver(endpoint: Endpoint, message: BusMessage): void {
    const hand = () => {
      this.delivered++
      endpoint.receiver?.message(message)
    }
    if (this.misbehaviour.maxDelayMs === 0) {
      hand()
      return
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      hand()
    }, this.random() * this.misbehaviour.maxDelayMs)
    this.timers.add(timer)
  }
}
