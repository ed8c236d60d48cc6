/**
 * Run as a child process by the outage test: the app behind nginx. Serves the test pages and the
 * `ticks` topic of a SQLite file; prints `listening` once it accepts connections. The test
 * SIGKILLs it and starts it again on the same port.
 *
 *   node --import tsx test/browser/support/proxied-app.ts <port> <events.db> <pages dir>
 */
import { createServer } from 'node:http'
import { sqliteStore } from '../../../adapters/sqlite/index.js'
import { createBroker } from '../../../src/index.js'
import { servePage } from './pages.js'

const [port, filename, pages] = process.argv.slice(2) as [string, string, string]
const store = sqliteStore({ filename })
await store.migrate()
const broker = createBroker(store, { retryMs: 300, heartbeatMs: 2_000 })
const server = createServer((req, res) => {
  if (servePage(pages, req, res)) return
  if (new URL(req.url ?? '/', 'http://localhost').pathname === '/api/events/ticks') {
    return void broker.handle(req, res, { topic: 'ticks' })
  }
  res.writeHead(404).end()
})
server.listen(Number(port), '127.0.0.1', () => console.log('listening'))
