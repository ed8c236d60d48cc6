/**
 * A real PgBouncer for tests: Debian's `pgbouncer` binary (installed by `.ci/run`), started as a
 * child process on a free local port with a generated ini that points at the test server, and
 * stopped by the test that started it (never the system service).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { accessSync, chmodSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './servers.js'

/** Where Debian installs it. */
const BINARY = '/usr/sbin/pgbouncer'

/** A running PgBouncer. */
export interface PgBouncer {
  /** The database URL through it (same database, user and password as the server's). */
  readonly url: string
  /** Stops it and removes its files. */
  stop(): Promise<void>
}

/** Why no PgBouncer can be started here, or `undefined` when one can. */
export function pgbouncerMissing(): string | undefined {
  try {
    accessSync(BINARY, constants.X_OK)
    return undefined
  } catch {
    return `no ${BINARY} (apt-get install pgbouncer, as .ci/run does)`
  }
}

/** The ini: one database, the same one as `serverUrl`'s, logged into as its user (`auth_type = any`). */
function ini(serverUrl: URL, port: number, poolMode: string, poolSize: number): string {
  const database = decodeURIComponent(serverUrl.pathname.slice(1))
  const login = [
    `host=${serverUrl.hostname}`,
    `port=${serverUrl.port || '5432'}`,
    `dbname=${database}`,
    `user=${decodeURIComponent(serverUrl.username)}`,
    ...(serverUrl.password ? [`password=${decodeURIComponent(serverUrl.password)}`] : []),
  ].join(' ')
  return [
    '[databases]',
    `${database} = ${login}`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    'unix_socket_dir =',
    'auth_type = any',
    `pool_mode = ${poolMode}`,
    `default_pool_size = ${poolSize}`,
    'max_client_conn = 500',
    'ignore_startup_parameters = extra_float_digits',
    '',
  ].join('\n')
}

/** Resolves once `child` logs that it listens; rejects if it exits first. Its later log is read and dropped. */
function listening(child: ChildProcess, log: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    let started = false
    const timer = setTimeout(() => reject(new Error(`pgbouncer did not start in 10 s:\n${log.join('')}`)), 10_000)
    child.stderr?.on('data', (chunk: Buffer) => {
      if (started) return
      log.push(chunk.toString())
      if (/listening on/.test(log.join(''))) {
        started = true
        clearTimeout(timer)
        resolve()
      }
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`pgbouncer exited (${code ?? signal}):\n${log.join('')}`))
    })
  })
}

/** Starts PgBouncer in front of `serverUrl`'s server, in `poolMode` (default `'transaction'`), with `poolSize` server connections. */
export async function startPgBouncer(serverUrl: string, poolMode = 'transaction', poolSize = 20): Promise<PgBouncer> {
  const missing = pgbouncerMissing()
  if (missing !== undefined) throw new Error(missing)
  const server = new URL(serverUrl)
  const dir = mkdtempSync(join(tmpdir(), 'durable-sse-pgbouncer-'))
  chmodSync(dir, 0o755) // run as root, PgBouncer drops to `nobody` and must still read its ini
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    const file = join(dir, 'pgbouncer.ini')
    writeFileSync(file, ini(server, port, poolMode, poolSize), { mode: 0o644 })
    // PgBouncer refuses to run as root; `-u` makes it switch to an unprivileged user.
    const args = process.getuid?.() === 0 ? ['-u', 'nobody', file] : [file]
    const child = spawn(BINARY, args, { stdio: ['ignore', 'ignore', 'pipe'] })
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    const log: string[] = []
    try {
      await listening(child, log)
    } catch (error) {
      child.kill('SIGKILL')
      await exited
      if (attempt < 3 && /Address already in use/.test(log.join(''))) continue // the free port was taken meanwhile
      rmSync(dir, { recursive: true, force: true })
      throw error
    }
    const url = new URL(serverUrl)
    url.hostname = '127.0.0.1'
    url.port = String(port)
    return {
      url: url.toString(),
      async stop() {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
        await exited
        rmSync(dir, { recursive: true, force: true })
      },
    }
  }
}
