/**
 * The broker's side of a wake-up bus (`bus.ts`): committed events go out on it after their commit
 * and into this process's poller at once; what arrives from it is offered to the poller, which
 * takes an event only when it is the next of its topic and reads the store for anything else; every
 * (re)connect reads every tailed topic, since messages sent meanwhile may be lost, and while the
 * bus is connected the poller's backstop reads a share of the topics per tick.
 * @module
 */
import type { BusMessage, BusStatus, WakeBus } from './bus.js'
import { recordsByTopic } from './bus-codec.js'
import type { EventRecord } from './event.js'
import type { Poller } from './poller.js'
import type { Unsubscribe } from './store.js'

/** Joins a broker's poller to its bus (or to none: committed events then only reach this process's poller). */
export class BusLink {
  private readonly poller: Poller
  private readonly bus: WakeBus | undefined
  private readonly stop: Unsubscribe | undefined
  /** Committed events waiting for this macrotask's end, to be offered to the poller as one batch per topic. */
  private pending: EventRecord[] | undefined

  constructor(poller: Poller, bus: WakeBus | undefined) {
    this.poller = poller
    this.bus = bus
    this.stop = bus?.open({
      message: (message) => this.received(message),
      status: (status) => poller.busStatus(status === 'connected'),
      subscribed: (topic) => poller.wake(topic),
    })
  }

  /** The bus's state, or `'none'` without a bus. */
  status(): BusStatus | 'none' {
    return this.bus ? this.bus.status() : 'none'
  }

  /** A topic started (`true`) or stopped being tailed: the bus follows it too. */
  tailed(topic: string, tailed: boolean): void {
    if (tailed) this.bus?.follow(topic)
    else this.bus?.unfollow(topic)
  }

  /**
   * Committed events (any topics, commit order within each): sent on the bus, and offered to this
   * process's poller, which delivers them without a read. The entry point of every commit the
   * broker learns of: its own publishes and those a store reports (`EventStore.onCommitted`).
   * What commits within one macrotask is offered together at its end, one batch per topic: under
   * load each publish is its own group commit, and a batch per commit would be a socket write per
   * event per subscriber (issue 23's fan-out run: 1.4 events per socket read instead of 39).
   */
  committed(records: readonly EventRecord[]): void {
    if (records.length === 0) return
    this.bus?.send(records)
    if (this.pending) {
      for (const record of records) this.pending.push(record) // not push(...records): a spread of ~150k arguments overflows the stack
      return
    }
    this.pending = [...records]
    setImmediate(() => {
      const all = this.pending as EventRecord[]
      this.pending = undefined
      for (const [topic, events] of recordsByTopic(all)) this.poller.offer(topic, events)
    })
  }

  /**
   * Stops receiving and closes the bus's own connection; `undefined` without a bus, so a broker
   * without one closes in the same turn as before (a server closed right after `broker.close()`,
   * as `next start` does, still sees every browser come back over its old socket).
   */
  close(): Promise<void> | undefined {
    this.stop?.()
    return this.bus?.close()
  }

  private received(message: BusMessage): void {
    if ('records' in message) this.poller.offer(message.topic, message.records)
    else this.poller.offerHead(message.topic, message.head)
  }
}
