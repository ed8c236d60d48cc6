/**
 * durable-sse on Express 5 with MySQL or MariaDB: the Express example's routes over an app whose
 * tables and events live in one MySQL database (`examples/shared/mysql-app.ts`); the services
 * publish inside their Kysely transactions, as on SQLite.
 *
 * Run: `npx tsx examples/express-mysql/server.ts` (env `PORT`, `DATABASE_URL`, default
 * `mysql://root@127.0.0.1:3306/durable_sse_example`; create the database first).
 * @module
 */
import { serveExpress } from '../express/server.js'
import { defaultDatabaseUrl, openMysqlApp } from '../shared/mysql-app.js'
import { type RunningExample, runIfMain } from '../shared/serve.js'

/**
 * Starts the Express example on MySQL.
 * @example
 * const example = await start({ port: 0, databaseUrl: 'mysql://root@127.0.0.1:3306/app' })
 * await example.close()
 */
export async function start({
  port,
  databaseUrl = defaultDatabaseUrl(),
}: {
  port?: number
  databaseUrl?: string
} = {}): Promise<RunningExample> {
  return serveExpress(await openMysqlApp({ url: databaseUrl }), port)
}

await runIfMain(import.meta.url, start)
