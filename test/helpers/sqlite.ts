/**
 * SQLite for tests: real database files in a fresh temporary directory per test, the three ways of
 * handing one to `sqliteStore()` (each test file loops over them, as Kysely's tests loop over
 * dialects), and commits made by another OS process.
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import Database from 'better-sqlite3'
import { type CamelCasePlugin, Kysely, SqliteDialect } from 'kysely'
import { afterEach, beforeEach } from 'vitest'
import { type SqliteEventStore, type SqliteStoreBaseOptions, sqliteStore } from '../../adapters/sqlite/index.js'
import { tempDir } from './stores.js'

/** A Kysely of any schema, as apps hand them to the store. */
export type AnyKysely = Kysely<any>

/** A store opened on a file, the caller's handles behind it, and how to close it all. */
export interface OpenedStore {
  store: SqliteEventStore
  /** The caller's better-sqlite3 connection (`database` form) or the one under the caller's Kysely (`db` form). */
  database?: Database.Database
  /** The caller's Kysely (`db` form). */
  db?: AnyKysely
  /** Closes the store, then the caller's handles. */
  close(): Promise<void>
}

/** One way of handing a database to `sqliteStore()`. */
export interface SqliteForm {
  name: 'filename' | 'database' | 'db'
  open(filename: string, options?: SqliteStoreBaseOptions): OpenedStore
}

/** A Kysely on SQLite over a new better-sqlite3 connection to `filename`. */
export function kyselyOn(filename: string, plugins: CamelCasePlugin[] = []): { db: AnyKysely; database: Database.Database } {
  const database = new Database(filename)
  return { db: new Kysely({ dialect: new SqliteDialect({ database }), plugins }), database }
}

/** The three forms: `{ filename }`, `{ database }` and `{ db }`. */
export const sqliteForms: SqliteForm[] = [
  {
    name: 'filename',
    open(filename, options) {
      const store = sqliteStore({ ...options, filename })
      return { store, close: () => store.close() }
    },
  },
  {
    name: 'database',
    open(filename, options) {
      const database = new Database(filename)
      const store = sqliteStore({ ...options, database })
      return {
        store,
        database,
        async close() {
          await store.close()
          database.close()
        },
      }
    },
  },
  {
    name: 'db',
    open(filename, options) {
      const { db, database } = kyselyOn(filename)
      const store = sqliteStore({ ...options, db })
      return {
        store,
        database,
        db,
        async close() {
          await store.close()
          await db.destroy()
        },
      }
    },
  },
]

/**
 * A fresh temporary directory for every test of the calling file; `defer`red cleanups run (last
 * first) after each test, then the directory is removed.
 */
export function useTempFiles(): { file(name?: string): string; defer(cleanup: () => unknown): void } {
  let current: ReturnType<typeof tempDir> | undefined
  const cleanups: (() => unknown)[] = []
  beforeEach(() => {
    current = tempDir()
  })
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
    current?.remove()
  })
  return {
    file: (name = 'events.db') => {
      if (!current) throw new Error('useTempFiles().file() is only available inside a test')
      return join(current.dir, name)
    },
    defer: (cleanup) => {
      cleanups.push(cleanup)
    },
  }
}

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url))

/**
 * Runs `statements` (each with its parameters) in one `BEGIN IMMEDIATE` transaction in a separate
 * `node` process, with better-sqlite3 on `filename`, `times` times; resolves when the process exits.
 */
export async function commitInAnotherProcess(
  filename: string,
  statements: { sql: string; parameters?: unknown[] }[],
  times = 1,
): Promise<void> {
  const script = `
    const Database = require('better-sqlite3')
    const [filename, statements, times] = [process.argv[1], JSON.parse(process.argv[2]), Number(process.argv[3])]
    const db = new Database(filename, { timeout: 10000 })
    const prepared = statements.map((s) => [db.prepare(s.sql), s.parameters ?? []])
    const transaction = db.transaction(() => { for (const [statement, parameters] of prepared) statement.run(...parameters) })
    for (let i = 0; i < times; i++) transaction.immediate()
    db.close()
  `
  await promisify(execFile)(process.execPath, ['-e', script, filename, JSON.stringify(statements), String(times)], {
    cwd: repositoryRoot,
  })
}

/** A statement that appends one event the way the store's table expects it (default prefix). */
export function insertEventStatement(topic: string, type = 'external'): { sql: string; parameters: unknown[] } {
  return {
    sql: 'INSERT INTO durable_sse_events (topic, type, data, created_at) VALUES (?, ?, ?, ?)',
    parameters: [topic, type, '{}', new Date().toISOString()],
  }
}

/**
 * Runs `sqliteStore({ filename })` in a separate `node` process (TypeScript through tsx): it
 * migrates, then appends `count` events `{ process: name, i }` to each of `topics`, `batch` per
 * call; resolves when the process exits.
 */
export async function appendInAnotherProcess(
  filename: string,
  options: { name: string; topics: string[]; count: number; batch: number },
): Promise<void> {
  const adapter = new URL('../../adapters/sqlite/index.ts', import.meta.url).href
  const script = `
    const { sqliteStore } = await import(${JSON.stringify(adapter)})
    const { filename, name, topics, count, batch } = JSON.parse(process.argv[1])
    const store = sqliteStore({ filename, busyTimeoutMs: 20000 })
    await store.migrate()
    for (let i = 0; i < count; i += batch) {
      const drafts = []
      for (let j = i; j < Math.min(i + batch, count); j++) {
        for (const topic of topics) drafts.push({ topic, type: 'n', data: JSON.stringify({ process: name, i: j }) })
      }
      await store.append(drafts)
    }
    await store.close()
  `
  await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script, JSON.stringify({ filename, ...options })],
    { cwd: repositoryRoot },
  )
}
