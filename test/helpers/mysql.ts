/**
 * MySQL / MariaDB for tests: the real server at `MYSQL_URL` (default root at 127.0.0.1:3306), one
 * scratch database per test file, dropped afterwards (`server-suite.ts`: without a server the tests
 * fail under `CI=true` and are skipped loudly otherwise).
 */
import mysql from 'mysql2'
import { type MysqlStore, type MysqlStoreSettings, mysqlStore } from '../../adapters/mysql/index.js'
import { describeOnServer, scratchName } from './server-suite.js'
import type { StoreKind } from './stores.js'

/** The server the tests use (no database in the URL: each file makes its own). */
export const MYSQL_URL = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306'

/** Why no server answers at `MYSQL_URL`, or `undefined` when one does. */
async function probe(): Promise<string | undefined> {
  const connection = mysql.createConnection({ uri: MYSQL_URL, connectTimeout: 3_000 })
  try {
    await connection.promise().query('SELECT 1')
    return undefined
  } catch (error) {
    return error instanceof Error ? error.message || (error as { code?: string }).code || error.name : String(error)
  } finally {
    connection.destroy()
  }
}

const unavailable = await probe()

/** One test file's database: its own scratch database, an admin pool, and stores made in it. */
export interface MysqlTestDatabase {
  /** The URL of this file's database. */
  readonly url: string
  /** This file's database name (unique per run). */
  readonly name: string
  /** Runs SQL on an admin pool in this file's database and returns the rows. */
  query<Row = Record<string, unknown>>(text: string, values?: unknown[]): Promise<Row[]>
  /** A store in this file's database (URI form), migrated, closed after the file. */
  store(settings?: MysqlStoreSettings): Promise<MysqlStore>
  /** A pool of its own on this file's database (callback API), ended after the file. */
  newPool(config?: mysql.PoolOptions): mysql.Pool
  /** Runs `cleanup` at the end of the file (last registered first). */
  defer(cleanup: () => unknown): void
}

/**
 * Declares a MySQL test group with its own database. `body` registers the tests; it receives the
 * database, usable inside tests and hooks.
 */
export function describeMysql(name: string, body: (database: MysqlTestDatabase) => void): void {
  const databaseName = scratchName(name)
  const url = `${MYSQL_URL}/${databaseName}`
  let admin: mysql.Pool | undefined
  const cleanups: Array<() => unknown> = []
  const database: MysqlTestDatabase = {
    url,
    name: databaseName,
    async query<Row>(text: string, values?: unknown[]): Promise<Row[]> {
      if (admin === undefined) throw new Error('the MySQL test database is not open (use it inside tests)')
      const [rows] = await admin.promise().query(text, values)
      return rows as Row[]
    },
    async store(settings = {}) {
      const store = mysqlStore({ uri: url, ...settings })
      cleanups.push(() => store.close())
      await store.migrate()
      return store
    },
    newPool(config = {}) {
      const pool = mysql.createPool({ uri: url, ...config })
      cleanups.push(() => pool.promise().end())
      return pool
    },
    defer(cleanup) {
      cleanups.push(cleanup)
    },
  }

  describeOnServer({
    name,
    server: 'MySQL',
    url: MYSQL_URL,
    unavailable,
    startHint: 'start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd',
    async open() {
      const root = mysql.createConnection({ uri: MYSQL_URL })
      await root.promise().query(`CREATE DATABASE \`${databaseName}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`)
      await root.promise().end()
      admin = mysql.createPool({ uri: url, connectionLimit: 4 })
    },
    async close() {
      await admin?.promise().query(`DROP DATABASE IF EXISTS \`${databaseName}\``)
      await admin?.promise().end()
    },
    cleanups,
    body: () => body(database),
  })
}

/**
 * The MySQL store as a kind of broker-level tests (`stores.ts`): each store in a scratch database
 * of its own, dropped on dispose. Without a server: under `CI=true` the kind is still there (its
 * tests fail); otherwise none, and a loud warning.
 */
export function mysqlStoreKinds(): StoreKind[] {
  if (unavailable !== undefined && process.env.CI !== 'true') {
    console.warn(`\n!!! SKIPPING the MySQL store kind: no MySQL server at ${MYSQL_URL}: ${unavailable}\n`)
    return []
  }
  return [
    {
      name: 'mysql',
      async make() {
        if (unavailable !== undefined) throw new Error(`no MySQL server at ${MYSQL_URL}: ${unavailable}`)
        const name = scratchName('kind')
        const root = mysql.createConnection({ uri: MYSQL_URL })
        await root.promise().query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`)
        const store = mysqlStore({ uri: `${MYSQL_URL}/${name}` })
        await store.migrate()
        return {
          store,
          async dispose() {
            await store.close()
            await root.promise().query(`DROP DATABASE IF EXISTS \`${name}\``)
            await root.promise().end()
          },
        }
      },
    },
  ]
}
