/**
 * `npm run demo`: starts the demo on `PORT` (default 3000; 0 picks a free port) with the SQLite
 * file `DEMO_DB` (default in the OS temp dir), prints its URL, and shuts down gracefully on SIGTERM or Ctrl-C.
 * @module
 */
import { exitOnSignals } from '../shared/serve.js'
import { startDemo } from './app.js'

const demo = await startDemo({
  port: process.env.PORT === undefined || process.env.PORT === '' ? 3000 : Number(process.env.PORT),
  dbFile: process.env.DEMO_DB || undefined,
})
console.log(`durable-sse demo: ${demo.url}`)
console.log(`events and app tables in ${demo.dbFile}`)
exitOnSignals(() => demo.close())
