/**
 * Postgres for the benchmarks: whether the server answers, its version, and one fresh schema per
 * run (dropped at the end) so runs never see each other's tables.
 * @module
 */
import pg from 'pg'

/** The server the benchmarks use. */
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** The server's version, or `undefined` when it does not answer. */
export async function probePostgres(url = DATABASE_URL): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 })
  client.on('error', () => {})
  try {
    await client.connect()
    const { rows } = await client.query<{ v: string }>("SELECT current_setting('server_version') AS v")
    return rows[0]?.v
  } catch {
    return undefined
  } finally {
    await client.end().catch(() => {})
  }
}

/** Runs `sql` once on a fresh connection. */
export async function pgExec(sql: string, url = DATABASE_URL): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  client.on('error', () => {})
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end().catch(() => {})
  }
}

/** Creates a fresh schema named after `label`; returns its name. */
export async function createSchema(label: string, url = DATABASE_URL): Promise<string> {
  const schema = `bench_${label}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
  await pgExec(`CREATE SCHEMA "${schema}"`, url)
  return schema
}

/** Drops a schema made by {@link createSchema}. */
export async function dropSchema(schema: string, url = DATABASE_URL): Promise<void> {
  await pgExec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`, url).catch(() => {})
}
