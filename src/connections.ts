/**
 * The broker's open connections: it makes them, has the poller follow their topics, forgets them
 * when they end, and counts them for `broker.stats()`.
 * @module
 */
import { Connection, type ConnectionContext, type ConnectionLimits } from './connection.js'
import type { BoundFilter } from './event-filter.js'
import type { PageReader } from './page-reader.js'
import type { Poller } from './poller.js'
import type { EndReason } from './sink.js'
import type { Telemetry } from './telemetry.js'

/** What {@link Connections.counts} returns. */
export interface ConnectionCounts {
  /** Open connections. */
  subscribers: number
  /** Open connections with a topic catching up from the store. */
  lagging: number
  /** Events handed to connections' sinks, ended connections included. */
  delivered: number
}

/** Every open connection of one broker. */
export class Connections implements ConnectionContext {
  readonly limits: ConnectionLimits
  readonly pages: PageReader
  /** Counts resets at connection starts, when OpenTelemetry is loaded. */
  readonly telemetry: Telemetry | undefined
  private readonly poller: Poller
  private readonly open = new Set<Connection>()
  /** Events delivered by connections that have ended. */
  private deliveredByEnded = 0

  constructor(poller: Poller, pages: PageReader, limits: ConnectionLimits, telemetry?: Telemetry) {
    this.poller = poller
    this.pages = pages
    this.limits = limits
    this.telemetry = telemetry
  }

  /** Number of open connections. */
  get size(): number {
    return this.open.size
  }

  /** The poller's cursor of `topic`. */
  tailOf(topic: string): string | undefined {
    return this.poller.cursor(topic)
  }

  /**
   * Opens a connection over `topics` (sorted, distinct) from `starts`, has the poller follow its
   * topics (a topic new to the poller starts at its `heads` entry, the store's head read before),
   * and begins delivery; `filter` leaves events out of it.
   */
  add(topics: readonly string[], starts: readonly string[], heads: readonly string[], filter?: BoundFilter): Connection {
    const { poller } = this
    const names = topics.map((topic) => poller.internedTopic(topic))
    const connection = new Connection(
      names,
      starts.map((start, i) => poller.interned(names[i] as string, start)),
      this,
      filter,
    )
    this.open.add(connection)
    for (const [i, position] of connection.positions.entries()) poller.follow(position, heads[i] as string)
    connection.begin()
    return connection
  }

  /** Forgets an ended connection: its topics are no longer followed for it, its deliveries stay counted. */
  ended(connection: Connection): void {
    if (!this.open.delete(connection)) return
    this.deliveredByEnded += connection.delivered
    for (const position of connection.positions) this.poller.unfollow(position)
  }

  /** Open connections, those catching up, and events delivered. */
  counts(): ConnectionCounts {
    let lagging = 0
    let delivered = this.deliveredByEnded
    for (const connection of this.open) {
      if (connection.lagging) lagging++
      delivered += connection.delivered
    }
    return { subscribers: this.open.size, lagging, delivered }
  }

  /** Ends every open connection. */
  endAll(reason: EndReason): void {
    for (const connection of [...this.open]) connection.end(reason)
  }
}
