/**
 * MySQL / MariaDB for the benchmarks: whether the server answers, its version, and one fresh
 * database per use (dropped at the end) so runs never see each other's tables.
 * @module
 */
import mysql from 'mysql2/promise'

/** The server the benchmarks use (no database: each use makes its own). */
export const MYSQL_URL = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306'

/** Runs `sql` once on a fresh connection to the server. */
async function mysqlExec(sql: string, url = MYSQL_URL): Promise<unknown> {
  const connection = await mysql.createConnection({ uri: url, connectTimeout: 3_000 })
  try {
    const [rows] = await connection.query(sql)
    return rows
  } finally {
    await connection.end().catch(() => {})
  }
}

/** The server's version, or `undefined` when it does not answer. */
export async function probeMysql(url = MYSQL_URL): Promise<string | undefined> {
  try {
    const rows = (await mysqlExec('SELECT VERSION() AS v', url)) as Array<{ v: string }>
    return rows[0]?.v
  } catch {
    return undefined
  }
}

/** Creates a fresh database named after `label`; returns its URL. */
export async function createDatabase(label: string, url = MYSQL_URL): Promise<string> {
  const name = `bench_${label.replaceAll('-', '_')}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
  await mysqlExec(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`, url)
  return `${url}/${name}`
}

/** Drops a database made by {@link createDatabase}. */
export async function dropDatabase(databaseUrl: string): Promise<void> {
  const name = new URL(databaseUrl).pathname.slice(1)
  await mysqlExec(`DROP DATABASE IF EXISTS \`${name}\``, databaseUrl.slice(0, databaseUrl.lastIndexOf('/'))).catch(() => {})
}
