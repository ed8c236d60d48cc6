/**
 * The page the client's browser tests drive: `harness.start(path, options)` calls `connect()` and
 * records what the connection reports, for the test to read with `page.evaluate`.
 */
import { type ConnectionFailedError, type ConnectOptions, connect, type ResetDetail } from '../../../src/client/index.js'

type Events = { tick: { n: number } }

/** What a connection reported, in order. */
export interface Recorded {
  events: { id: string; topic: string; n: number }[]
  resets: ResetDetail[]
  statuses: string[]
  errors: { name: string; code: string; status: number | undefined; retrying: boolean | undefined }[]
}

/** The options a test passes through `page.evaluate` (plain data). */
export type HarnessOptions = Pick<ConnectOptions<Events>, 'shared' | 'backoffMs' | 'maxBackoffMs'> & {
  headers?: Record<string, string>
}

/** What the page exposes as `window.harness`. */
export interface Harness {
  record: Recorded
  start(path: string, options: HarnessOptions): void
  close(): void
}

const record: Recorded = { events: [], resets: [], statuses: [], errors: [] }
let close = () => {}

const harness: Harness = {
  record,
  start(path, options) {
    const connection = connect<Events>(path, {
      ...options,
      handlers: { tick: (event) => record.events.push({ id: event.id, topic: event.topic, n: event.payload.n }) },
      onReset: (_reason, reset) => record.resets.push(reset),
      onStatus: (status) => record.statuses.push(status),
      onError: (error) => {
        const failed = error as Partial<ConnectionFailedError>
        record.errors.push({ name: error.name, code: error.code, status: failed.status, retrying: failed.retrying })
      },
    })
    close = () => connection.close()
  },
  close: () => close(),
}
;(window as unknown as { harness: Harness }).harness = harness
