/**
 * Run as a child process by the browser tests that crash the app (the outage test, behind nginx;
 * the multi-topic test, directly): serves the test pages, `/api/ping`, and the topics of a SQLite
 * file as SSE: `/api/events/<topic>` streams one topic, `/api/events?topics=a,b,c` one stream over
 * several. Prints `listening` once it accepts connections. The tests SIGKILL it and start it again
 * on the same port.
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
  const url = new URL(req.url ?? '/', 'http://localhost')
  if (url.pathname === '/api/ping') return void res.writeHead(200, { 'Content-Type': 'text/plain' }).end('pong')
  if (url.pathname === '/api/events' && url.searchParams.has('topics')) {
    return void broker.handle(req, res, { topics: String(url.searchParams.get('topics')).split(',') })
  }
  const topic = /^\/api\/events\/([^/]+)$/.exec(url.pathname)?.[1]
  if (topic) return void broker.handle(req, res, { topic: decodeURIComponent(topic) })
  res.writeHead(404).end()
})
server.listen(Number(port), '127.0.0.1', () => console.log('listening'))
