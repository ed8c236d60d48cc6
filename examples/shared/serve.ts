/**
 * Starting and stopping the examples: the common `start()` contract, listening on a port, running
 * a file directly with `tsx`, and the graceful shutdown every example does on SIGTERM or SIGINT:
 * end the streams (`broker.close()`), close the HTTP server, close the store and the database,
 * exit.
 * @module
 */
import { once } from 'node:events'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Broker } from '../../src/index.js'
import type { ExampleApp } from './app.js'
import type { AppEvents } from './events.js'

/** Options of every example's `start()`. */
export interface StartOptions {
  /** Port to listen on; 0 picks a free one. Default 3000. */
  port?: number
  /** The SQLite file of the app and its events. Default `$EXAMPLE_DB` or one in the OS temp dir. */
  dbFile?: string
}

/** A running example. */
export interface RunningExample {
  /** Its base URL, e.g. `http://127.0.0.1:3000`. */
  url: string
  /** Its broker (for `stats()`). */
  broker: Broker<AppEvents>
  /** Ends the streams cleanly, stops the server and closes the database. */
  close(): Promise<void>
}

/** Listens on `port` on the loopback interface and resolves with the base URL. */
export async function listen(server: Server, port = 3000): Promise<string> {
  server.listen(port, '127.0.0.1')
  await once(server, 'listening')
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** How often {@link closeServer} drops the connections that went idle, in ms. */
const IDLE_SWEEP_MS = 20

/**
 * Closes a Node server after `broker.close()` has ended the streams: stops accepting connections,
 * drops each keep-alive connection as soon as it is idle, and after `graceMs` drops whatever is left
 * (a request still running, a client that stopped reading). `server.close()` alone drops only the
 * connections idle at that instant; a web framework (`@hono/node-server`, Next.js) finishes writing
 * an ended stream a moment later, and its idle socket would then carry the browser's reconnect back
 * in, so idle connections are dropped again every few ms until the server has closed.
 */
export function closeServer(server: Server, graceMs = 2_000): Promise<void> {
  return new Promise((closed) => {
    const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS)
    const deadline = setTimeout(() => server.closeAllConnections(), graceMs)
    server.close(() => {
      clearInterval(sweep)
      clearTimeout(deadline)
      closed()
    })
  })
}

/** The {@link RunningExample} of an app served at `url`: close ends the streams first, then the server, then the database. */
export function running(app: ExampleApp, url: string, stopServer: () => Promise<void>): RunningExample {
  let closing: Promise<void> | undefined
  return {
    url,
    broker: app.broker,
    close() {
      closing ??= (async () => {
        await app.broker.close()
        await stopServer()
        await app.close()
      })()
      return closing
    },
  }
}

/**
 * On the first SIGTERM or SIGINT, runs `stop` (end the streams, close the server and the store) and
 * exits: 0 once it is done, 1 if it failed. A second signal ends the process at once.
 */
export function exitOnSignals(stop: () => Promise<void>): void {
  const shutdown = (signal: NodeJS.Signals) => {
    process.off('SIGTERM', shutdown)
    process.off('SIGINT', shutdown)
    console.log(`${signal}: closing the streams, the server and the store`)
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('shutdown failed:', error)
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', shutdown)
  process.on('SIGINT', shutdown)
}

/**
 * When the file `moduleUrl` was run directly (`npx tsx examples/express/server.ts`), starts it on
 * `$PORT` (default 3000; 0 picks a free port) and shuts it down gracefully on SIGTERM or Ctrl-C.
 */
export async function runIfMain(moduleUrl: string, start: (options: StartOptions) => Promise<RunningExample>): Promise<void> {
  const entry = process.argv[1]
  if (entry === undefined || pathToFileURL(resolve(entry)).href !== moduleUrl) return
  const example = await start({ port: process.env.PORT ? Number(process.env.PORT) : 3000 })
  console.log(`listening on ${example.url}`)
  console.log(`try: curl -N -H 'Authorization: Bearer alice-token' ${example.url}/api/projects/p1/events`)
  console.log(
    `and: curl -X POST -H 'Authorization: Bearer alice-token' -H 'Content-Type: application/json' ` +
      `-d '{"status":"running"}' ${example.url}/api/projects/p1/sessions/session-1/status`,
  )
  exitOnSignals(() => example.close())
}
