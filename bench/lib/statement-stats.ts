/**
 * Which statements a server ran in a window and how long they took (`pg_stat_statements`, loaded
 * on a scratch cluster of the benchmark's own): the breakdown behind a database CPU figure.
 * @module
 */
import pg from 'pg'

/** The setting that loads the extension at server start (a scratch cluster's `config`). */
export const STATEMENT_STATS_CONFIG = "shared_preload_libraries = 'pg_stat_statements'"

/** One statement's calls and execution time since the last reset. */
export interface StatementStat {
  /** The statement's first words, whitespace collapsed. */
  query: string
  /** Times it ran. */
  calls: number
  /** Total execution time, ms. */
  ms: number
}

/** Runs `sql` on a fresh connection to `url`. */
async function run<T extends object>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url })
  client.on('error', () => {})
  await client.connect()
  try {
    return (await client.query<T>(sql)).rows
  } finally {
    await client.end().catch(() => {})
  }
}

/** Creates the extension (on a primary; a streaming replica gets it by replication). */
export async function enableStatementStats(url: string): Promise<void> {
  await run(url, 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements')
}

/** Forgets what was counted so far. */
export async function resetStatementStats(url: string): Promise<void> {
  await run(url, 'SELECT pg_stat_statements_reset()')
}

/** The `limit` statements with the most execution time since the last reset (the benchmark's own queries left out). */
export async function topStatements(url: string, limit = 4): Promise<StatementStat[]> {
  const rows = await run<{ query: string; calls: string; ms: number }>(
    url,
    `SELECT query, calls::text AS calls, total_exec_time AS ms FROM pg_stat_statements
      WHERE query NOT LIKE '%pg_stat_statements%' AND query NOT LIKE '%pg_stat_activity%' ORDER BY total_exec_time DESC LIMIT ${Math.floor(limit)}`,
  )
  return rows.map((row) => ({ query: row.query.replace(/\s+/g, ' ').slice(0, 60), calls: Number(row.calls), ms: row.ms }))
}

/** `statements` as one log line: `<calls> × <query> <ms> ms; ...`. */
export function formatStatements(statements: readonly StatementStat[]): string {
  return statements.map((s) => `${s.calls.toLocaleString('en')} × "${s.query}" ${Math.round(s.ms)} ms`).join('; ')
}
