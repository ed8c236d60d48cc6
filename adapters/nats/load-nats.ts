/**
 * Loads the `nats` client (2.x) on first use, so importing `durable-sse/nats` costs nothing until
 * a bus connects on its own.
 * @module
 */

/** The subset of a `nats` 2.x `NatsConnection` the bus uses. */
export interface NatsConnectionLike {
  /** Publishes `payload` on `subject` (buffered while reconnecting; the bus only sends when connected). */
  publish(subject: string, payload?: Uint8Array | string): void
  /** Subscribes to `subject`, calling `callback` per message. */
  subscribe(
    subject: string,
    options: {
      /** Called per message. */
      callback: (error: Error | null, message: { data: Uint8Array }) => void
    },
  ): {
    /** Stops the subscription. */
    unsubscribe(): void
  }
  /** Resolves once the server has processed everything sent before (subscriptions included). */
  flush(): Promise<void>
  /** The connection's events (`disconnect`, `reconnect`, ...). */
  status(): AsyncIterable<{
    /** The event's type. */
    type: string
  }>
  /** What the server said at connect: its largest message (`max_payload`). */
  info?: {
    /** Largest message the server takes, in bytes. */
    max_payload: number
  }
  /** Whether it is closed for good. */
  isClosed(): boolean
  /** Closes it. */
  close(): Promise<void>
}

/** The options of `nats.connect` the bus sets. */
export interface NatsConnectOptions {
  /** Server URLs (`nats://host:4222`). */
  servers: string | string[]
  /** Wait for the first connection, however long it takes, instead of failing (the bus retries itself, so it can stop when closed). */
  waitOnFirstConnect: boolean
  /** Reconnect attempts; -1: forever. */
  maxReconnectAttempts: number
  /** Pause between reconnect attempts, in ms. */
  reconnectTimeWait: number
  /** Random extra pause, in ms. */
  reconnectJitter: number
  /** Bytes buffered while reconnecting (the bus sends nothing then). */
  reconnectBufSize: number
}

/** The parts of the `nats` module the bus calls. */
export interface NatsModule {
  /** `nats.connect`. */
  connect(options: NatsConnectOptions): Promise<NatsConnectionLike>
}

let loading: Promise<NatsModule> | undefined

/** Imports `nats` once; rejects with an install hint when it is missing. */
export function loadNats(): Promise<NatsModule> {
  loading ??= import('nats').then(
    (module: { default?: unknown }) => ((module as { connect?: unknown }).connect ? module : module.default) as NatsModule,
    (cause: unknown) => {
      loading = undefined
      throw new Error("durable-sse/nats needs the 'nats' package (2.x): npm install nats@2", { cause })
    },
  )
  return loading
}
