/**
 * `startDemo()`: the demo server (page, streams, API) on an embedded SQLite file.
 * @module
 */
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sqliteStore } from '../../adapters/sqlite/index.js'
import { createBroker } from '../../src/index.js'
import { closeServer } from '../shared/serve.js'
import { bundlePage } from './bundle.js'
import { openDatabase } from './database.js'
import { DEFAULT_PROJECT, type DemoEvents } from './events.js'
import { route } from './routes.js'
import { demoServices } from './services.js'

/** Options of {@link startDemo}. */
export interface DemoOptions {
  /** Port to listen on; 0 picks a free one. Default 3000. */
  port?: number
  /** The SQLite file holding the events and the app's tables. Default `durable-sse-demo.db` in the OS temp dir. */
  dbFile?: string
  /** Interface to listen on. Default all of them. */
  host?: string
}

/** A running demo. */
export interface Demo {
  /** Where the page is, e.g. `http://localhost:3000/`. */
  url: string
  /** The port it listens on. */
  port: number
  /** The SQLite file it uses. */
  dbFile: string
  /** Ends the streams (browsers will come back with `Last-Event-ID`), stops the server and closes the database. */
  close(): Promise<void>
}

/** The default database file of the demo. */
export const DEFAULT_DB_FILE = join(tmpdir(), 'durable-sse-demo.db')

/**
 * Starts the demo: bundles the page, opens the SQLite file (creating tables and seed rows),
 * and serves until `close()`.
 * @example
 * const demo = await startDemo({ port: 0, dbFile: '/tmp/demo.db' })
 * console.log(demo.url)
 * await demo.close()
 */
export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const dbFile = options.dbFile ?? DEFAULT_DB_FILE
  const script = await bundlePage()
  const db = await openDatabase(dbFile, DEFAULT_PROJECT)
  const store = sqliteStore({ db })
  await store.migrate()
  const broker = createBroker<DemoEvents>(store)
  const context = { db, broker, script, ...demoServices(db, broker) }

  const server = createServer((req, res) => {
    route(context, req, res).catch((error: unknown) => {
      console.error('[demo]', error)
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' })
      res.end('internal error')
    })
  })
  server.listen(options.port ?? 3000, options.host)
  await once(server, 'listening')
  const port = (server.address() as AddressInfo).port

  let closing: Promise<void> | undefined
  return {
    url: `http://localhost:${port}/`,
    port,
    dbFile,
    close() {
      closing ??= (async () => {
        await broker.close()
        await closeServer(server)
        await store.close()
        await db.destroy()
      })()
      return closing
    },
  }
}
