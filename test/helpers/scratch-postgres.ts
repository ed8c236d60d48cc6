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

/** Runs a server binary, as `postgres` when we are root. */
type Binary = (name: string, args: string[]) => Promise<unknown>

/** A temp directory the server may use, and how to run its binaries there. */
function scratchDirectory(): { dir: string; binary: Binary } {
  if (scratchPostgresUnavailable !== undefined) throw new Error(scratchPostgresUnavailable)
  const user = postgresUser()
  const dir = mkdtempSync(join(tmpdir(), 'dsse-scratch-pg-'))
  if (user !== undefined) {
    chmodSync(dir, 0o700)
    chownSync(dir, user.uid, user.gid)
  }
  const binary: Binary = (name, args) =>
    user === undefined ? run(join(PG_BIN, name), args) : run('runuser', ['-u', 'postgres', '--', join(PG_BIN, name), ...args])
  return { dir, binary }
}

/** Stops the server in `dataDir` at once, synchronously (when the test process exits with it running). */
function stopNow(dataDir: string): void {
  const args = ['stop', '-D', dataDir, '-m', 'immediate']
  try {
    if (postgresUser() === undefined) execFileSync(join(PG_BIN, 'pg_ctl'), args, { stdio: 'ignore' })
    else execFileSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, 'pg_ctl'), ...args], { stdio: 'ignore' })
  } catch {
    // Already stopped.
  }
}

/** Writes the scratch settings into a data directory made by `initdb` or `pg_basebackup`. */
async function configure(dataDir: string, port: number, dir: string, extra: readonly string[]): Promise<void> {
  const config = [...baseConfig(port, dir), ...extra]
  await appendFile(join(dataDir, 'postgresql.conf'), `\n# durable-sse scratch cluster\n${config.join('\n')}\n`)
  writeFileSync(join(dataDir, 'pg_hba.conf'), `${HBA}\n`)
  const user = postgresUser()
  if (user !== undefined) chownSync(join(dataDir, 'pg_hba.conf'), user.uid, user.gid)
}

/** A started server in `dir`/data on `port`, with start/stop/close. */
async function running(dir: string, port: number, binary: Binary): Promise<ScratchPostgres> {
  const dataDir = join(dir, 'data')
  const log = join(dir, 'server.log')
  let up = false
  const stopAtExit = (): void => {
    if (up) stopNow(dataDir)
  }
  process.once('exit', stopAtExit)
  const cluster: ScratchPostgres = {
    port,
    dataDir,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async start() {
      await binary('pg_ctl', ['start', '-D', dataDir, '-l', log, '-w', '-t', '60'])
      up = true
    },
    async stop(mode = 'fast') {
      await binary('pg_ctl', ['stop', '-D', dataDir, '-m', mode, '-w', '-t', '60'])
      up = false
    },
    async close() {
      if (up) await cluster.stop('immediate')
      process.off('exit', stopAtExit)
      rmSync(dir, { recursive: true, force: true })
    },
  }
  await cluster.start()
  return cluster
}

/** Creates and starts a scratch cluster; `close()` it when done. */
export async function startScratchPostgres(options: ScratchPostgresOptions = {}): Promise<ScratchPostgres> {
  const { dir, binary } = scratchDirectory()
  const dataDir = join(dir, 'data')
  const port = await freePort()
  await binary('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions'])
  await configure(dataDir, port, dir, options.config ?? [])
  return running(dir, port, binary)
}

/** A streaming replica of a scratch cluster: a hot standby that can be promoted. */
export interface ScratchReplica extends ScratchPostgres {
  /** Promotes it to a primary (`pg_ctl promote`, waits until it accepts writes); it replays all WAL it received first, even with replay paused. */
  promote(): Promise<void>
  /**
   * Stops receiving WAL from the primary (clears `primary_conninfo`, reloads, waits for the WAL
   * receiver to end): what the primary commits from then on never reaches it, as in a failover
   * that loses the last commits of asynchronous replication.
   */
  detach(): Promise<void>
}

/**
 * Creates and starts a hot standby of `primary` (running): `pg_basebackup -R -X stream -C` with a
 * physical replication slot of its own, so the primary keeps the WAL it has not received.
 * `config` lines are appended like a cluster's (e.g. `'recovery_min_apply_delay = 200ms'`).
 */
export async function startScratchReplica(
  primary: ScratchPostgres,
  options: ScratchPostgresOptions = {},
): Promise<ScratchReplica> {
  const { dir, binary } = scratchDirectory()
  const dataDir = join(dir, 'data')
  const port = await freePort()
  const slot = `replica_${port}`
  await binary('pg_basebackup', ['-d', primary.url(), '-D', dataDir, '-R', '-X', 'stream', '-C', '-S', slot, '--no-sync'])
  await configure(dataDir, port, dir, ['hot_standby = on', 'hot_standby_feedback = on', ...(options.config ?? [])])
  const replica = await running(dir, port, binary)
  return {
    ...replica,
    async promote() {
      await binary('pg_ctl', ['promote', '-D', dataDir, '-w', '-t', '60'])
    },
    async detach() {
      const socket = ['-h', dir, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-X', '-q', '-t', '-A']
      await binary('psql', [...socket, '-c', "ALTER SYSTEM SET primary_conninfo = ''", '-c', 'SELECT pg_reload_conf()'])
      for (let tries = 0; tries < 300; tries++) {
        const { stdout } = (await binary('psql', [...socket, '-c', 'SELECT count(*) FROM pg_stat_wal_receiver'])) as {
          stdout: string
        }
        if (stdout.trim() === '0') return
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      throw new Error('the replica still receives WAL 6 s after primary_conninfo was cleared')
    },
  }
}
