/**
 * Postgres for tests: the real server at `DATABASE_URL` (default the local `test` database), one
 * fresh schema per test file, dropped afterwards (`server-suite.ts`: without a server the tests
 * fail under `CI=true` and are skipped loudly otherwise).
 */
import { type ControlledTransaction, sql } from 'kysely'
import pg from 'pg'
import { type PostgresStore, type PostgresStoreOptions, postgresStore } from '../../adapters/postgres/index.js'
import { parseEventId } from '../../src/event-id.js'
import { describeOnServer, scratchName } from './server-suite.js'
import { until } from './wait.js'

/** The server the tests use. */
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** Why no server answers at `DATABASE_URL`, or `undefined` when one does. */
async function probe(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3_000 })
  client.on('error', () => {})
  try {
    await client.connect()
    await client.query('SELECT 1')
    return undefined
  } catch (error) {
    return error instanceof Error ? error.message || error.name : String(error)
  } finally {
    await client.end().catch(() => {})
  }
}

const unavailable = await probe()

/** One test file's database: its own schema, an admin pool, and stores made in that schema. */
export interface PostgresTestDatabase {
  /** The server URL. */
  readonly url: string
  /** This file's schema (unique per run). */
  readonly schema: string
  /** An admin pool (not used by stores unless passed to them). */
  readonly pool: pg.Pool
  /** Runs SQL on the admin pool and returns the rows. */
  query<Row = Record<string, unknown>>(text: string, values?: unknown[]): Promise<Row[]>
  /** A store in this file's schema (connection string form), migrated, closed after the file. */
  store(options?: Partial<PostgresStoreOptions>): Promise<PostgresStore>
  /** A pool of its own, ended after the file; its clients ignore errors (a test may kill them mid-transaction). */
  newPool(config?: pg.PoolConfig): pg.Pool
  /** Closes `store` and anything else registered, at the end of the file. */
  defer(cleanup: () => unknown): void
}

/**
 * Declares a Postgres test group with its own schema. `body` registers the tests; it receives the
 * database, usable inside tests and hooks.
 */
export function describePostgres(name: string, body: (database: PostgresTestDatabase) => void): void {
  const schema = scratchName(name)
  let admin: pg.Pool | undefined
  const cleanups: Array<() => unknown> = []
  const database: PostgresTestDatabase = {
    url: DATABASE_URL,
    schema,
    get pool(): pg.Pool {
      if (admin === undefined) throw new Error('the Postgres test database is not open (use it inside tests)')
      return admin
    },
    async query<Row>(text: string, values?: unknown[]): Promise<Row[]> {
      return (await database.pool.query(text, values)).rows as Row[]
    },
    async store(options = {}) {
      const store = postgresStore({ connectionString: DATABASE_URL, schema, ...options } as PostgresStoreOptions)
      cleanups.push(() => store.close())
      await store.migrate()
      return store
    },
    newPool(config = {}) {
      const pool = new pg.Pool({ connectionString: DATABASE_URL, ...config })
      pool.on('error', () => {})
      pool.on('connect', (client) => client.on('error', () => {}))
      cleanups.push(() => (pool.ending ? undefined : pool.end()))
      return pool
    },
    defer(cleanup) {
      cleanups.push(cleanup)
    },
  }

  describeOnServer({
    name,
    server: 'Postgres',
    url: DATABASE_URL,
    unavailable,
    startHint: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
    async open() {
      admin = new pg.Pool({ connectionString: DATABASE_URL, max: 4 })
      admin.on('error', () => {})
      await admin.query(`CREATE SCHEMA "${schema}"`)
    },
    async close() {
      await admin?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      await admin?.end()
    },
    cleanups,
    body: () => body(database),
  })
}

let topics = 0

/** A topic name unique in this process. */
export function uniqueTopic(prefix = 'topic'): string {
  return `${prefix}-${process.pid}-${++topics}`
}

/** The pid of the one backend named `applicationName` (other than `except`), once it exists. */
export async function backendPid(database: PostgresTestDatabase, applicationName: string, except?: number): Promise<number> {
  let pid: number | undefined
  await until(
    async () => {
      const rows = await database.query<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND pid IS DISTINCT FROM $2',
        [applicationName, except ?? null],
      )
      pid = rows.length === 1 ? rows[0]?.pid : undefined
      return pid !== undefined
    },
    10_000,
    `one backend named ${applicationName}`,
  )
  return pid as number
}

/** The pid of a backend named `applicationName` once it waits for a lock (a statement queued behind another's). */
export async function lockWaiter(database: PostgresTestDatabase, applicationName: string): Promise<number> {
  let pid: number | undefined
  await until(
    async () => {
      const rows = await database.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
        [applicationName],
      )
      pid = rows[0]?.pid
      return pid !== undefined
    },
    10_000,
    `a backend named ${applicationName} to wait for a lock`,
  )
  return pid as number
}

/** The position in an `epoch.seq` id (`NaN` when malformed). */
export function seqOf(id: string | undefined): number {
  return parseEventId(id ?? '')?.seq ?? Number.NaN
}

/** The backend pid of a Kysely transaction's connection. */
export async function backendOf(trx: ControlledTransaction<any>): Promise<number> {
  return (await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(trx)).rows[0]?.pid as number
}

/** Resolves once backend `pid` waits for a lock (no event to await: the server reports it). */
export function waitingForLock(database: PostgresTestDatabase, pid: number): Promise<void> {
  return until(
    async () =>
      (await database.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = $2', [pid, 'Lock'])).length ===
      1,
    10_000,
    `backend ${pid} to wait for a lock`,
  )
}
