/**
 * A scratch PostgreSQL 15 cluster of a test's own, on a free port, for tests that need settings
 * the shared server must keep (`wal_level=logical`, a streaming replica's) or that kill and
 * restart the server. `initdb` in a temp dir, `pg_ctl` to start and stop, run as the `postgres`
 * user when the tests run as root (Postgres refuses to run as root). Trust authentication on
 * 127.0.0.1, replication connections included. Never touches the shared server's configuration.
 * No test runner here, so benchmarks use it too (`describe-scratch-postgres.ts` is the tests' wrapper).
 */
import { execFile, execFileSync } from 'node:child_process'
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { appendFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort } from './servers.js'

const run = promisify(execFile)

/** Where Debian's PostgreSQL 15 server binaries are (`PG_BIN` to use others). */
export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin'

/** Why no scratch cluster can be made here, or `undefined` when one can. */
export const scratchPostgresUnavailable: string | undefined = existsSync(join(PG_BIN, 'initdb'))
  ? undefined
  : `no PostgreSQL server binaries in ${PG_BIN} (Debian package postgresql-15, or set PG_BIN)`

/** Settings of a scratch cluster. */
export interface ScratchPostgresOptions {
  /** Lines appended to `postgresql.conf` after the defaults (a later line wins), e.g. `'fsync = off'`. */
  config?: readonly string[]
}

/** A running scratch cluster. */
export interface ScratchPostgres {
  /** Its TCP port on 127.0.0.1. */
  readonly port: number
  /** Its data directory. */
  readonly dataDir: string
  /** A connection URL (user `postgres`, no password) for `database` (default `postgres`). */
  url(database?: string): string
  /** Starts it again after {@link stop}. */
  start(): Promise<void>
  /** Stops it: `'fast'` (sessions end cleanly) or `'immediate'` (a crash; recovery at the next start). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>
  /** Stops it and deletes its files. */
  close(): Promise<void>
}

/** The uid and gid of the `postgres` user when we run as root (the server refuses root), else `undefined`. */
function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim())
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim())
  return { uid, gid }
}

/** The configuration every scratch cluster starts from: loopback only, logical WAL, room for slots and senders. */
function baseConfig(port: number, dir: string): string[] {
  return [
    `port = ${port}`,
    `listen_addresses = '127.0.0.1'`,
    `unix_socket_directories = '${dir}'`,
    'wal_level = logical',
    'max_replication_slots = 10',
    'max_wal_senders = 10',
    'max_connections = 100',
  ]
}

/** Trust for every local and loopback connection, replication included. */
const HBA = [
  'local all all trust',
  'local replication all trust',
  'host all all 127.0.0.1/32 trust',
  'host replication all 127.0.0.1/32 trust',
].join('\n')

/** Creates and starts a scratch cluster; `close()` it when done. */
export async function startScratchPostgres(options: ScratchPostgresOptions = {}): Promise<ScratchPostgres> {
  if (scratchPostgresUnavailable !== undefined) throw new Error(scratchPostgresUnavailable)
  const user = postgresUser()
  const dir = mkdtempSync(join(tmpdir(), 'dsse-scratch-pg-'))
  const dataDir = join(dir, 'data')
  if (user !== undefined) {
    chmodSync(dir, 0o700)
    chownSync(dir, user.uid, user.gid)
  }
  /** Runs a server binary, as `postgres` when we are root. */
  const binary = (name: string, args: string[]) =>
    user === undefined ? run(join(PG_BIN, name), args) : run('runuser', ['-u', 'postgres', '--', join(PG_BIN, name), ...args])

  const port = await freePort()
  await binary('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions'])
  const config = [...baseConfig(port, dir), ...(options.config ?? [])]
  await appendFile(join(dataDir, 'postgresql.conf'), `\n# durable-sse scratch cluster\n${config.join('\n')}\n`)
  writeFileSync(join(dataDir, 'pg_hba.conf'), `${HBA}\n`)
  if (user !== undefined) chownSync(join(dataDir, 'pg_hba.conf'), user.uid, user.gid)

  const log = join(dir, 'server.log')
  let running = false
  /** Stops the server synchronously if the test process exits with it still running. */
  const stopAtExit = (): void => {
    if (!running) return
    const args = ['stop', '-D', dataDir, '-m', 'immediate']
    try {
      if (user === undefined) execFileSync(join(PG_BIN, 'pg_ctl'), args, { stdio: 'ignore' })
      else execFileSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, 'pg_ctl'), ...args], { stdio: 'ignore' })
    } catch {
      // Already stopped.
    }
  }
  process.once('exit', stopAtExit)

  const cluster: ScratchPostgres = {
    port,
    dataDir,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async start() {
      await binary('pg_ctl', ['start', '-D', dataDir, '-l', log, '-w', '-t', '60'])
      running = true
    },
    async stop(mode = 'fast') {
      await binary('pg_ctl', ['stop', '-D', dataDir, '-m', mode, '-w', '-t', '60'])
      running = false
    },
    async close() {
      if (running) await cluster.stop('immediate')
      process.off('exit', stopAtExit)
      rmSync(dir, { recursive: true, force: true })
    },
  }
  await cluster.start()
  return cluster
}
