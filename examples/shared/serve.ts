/**
 * Starting and stopping the examples: the common `start()` contract, listening on a port, and
 * running a file directly with `tsx`.
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

/** Closes a Node server, dropping idle keep-alive connections. */
export function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((done) => server.close(() => done()))
  server.closeAllConnections()
  return closed
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
 * When the file `moduleUrl` was run directly (`npx tsx examples/express/server.ts`), starts it on
 * `$PORT` (default 3000) and stops it cleanly on Ctrl-C.
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
  const stop = async () => {
    await example.close()
    process.exit(0)
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}
