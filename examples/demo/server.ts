/**
 * `npm run demo`: starts the demo on `PORT` (default 3000; 0 picks a free port) with the SQLite
 * file `DEMO_DB` (default in the OS temp dir), prints its URL, and stops cleanly on Ctrl-C.
 * @module
 */
import { startDemo } from './app.js'

const demo = await startDemo({
  port: process.env.PORT === undefined || process.env.PORT === '' ? 3000 : Number(process.env.PORT),
  dbFile: process.env.DEMO_DB || undefined,
})
console.log(`durable-sse demo: ${demo.url}`)
console.log(`events and app tables in ${demo.dbFile}`)

const stop = async () => {
  await demo.close()
  process.exit(0)
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
