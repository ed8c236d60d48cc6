/**
 * Real bus servers for tests: `nats-server` and `redis-server` (Debian's packages, installed by
 * `.ci/run`), each started by the test that uses it on a free loopback port, so the test can
 * SIGKILL it and start it again on the same port. Never the shared servers.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { connect } from 'node:net'
import { freePort } from './servers.js'
import { until } from './wait.js'

/** A bus server this test runs. */
export interface BusServer {
  /** Its kind. */
  readonly kind: 'nats' | 'redis'
  /** The URL clients connect to. */
  readonly url: string
  /** SIGKILLs it (no goodbye to its clients) and resolves once it is gone. */
  kill(): Promise<void>
  /** Starts it again on the same port; resolves once it takes connections. */
  start(): Promise<void>
  /** Stops it for good. */
  stop(): Promise<void>
}

const BINARIES = { nats: '/usr/sbin/nats-server', redis: '/usr/bin/redis-server' }

/** Why `kind`'s server cannot be started here, or `undefined` when it can. */
export function busServerMissing(kind: 'nats' | 'redis'): string | undefined {
  try {
    accessSync(BINARIES[kind], constants.X_OK)
    return undefined
  } catch {
    return `no ${BINARIES[kind]} (apt-get install ${kind === 'nats' ? 'nats-server' : 'redis-server'}, as .ci/run does)`
  }
}

/** Whether something accepts TCP connections on `port`. */
function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/** Starts a `kind` server on a free port. */
export async function startBusServer(kind: 'nats' | 'redis'): Promise<BusServer> {
  const port = await freePort()
  const args =
    kind === 'nats'
      ? ['-a', '127.0.0.1', '-p', String(port)]
      : ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']
  let child: ChildProcess | undefined
  const start = async () => {
    const running = spawn(BINARIES[kind], args, { stdio: 'ignore' })
    child = running
    let exited = false
    running.once('exit', () => {
      exited = true
    })
    try {
      await until(async () => exited || (await accepting(port)), 10_000, `${kind}-server to listen on ${port}`)
    } catch (error) {
      running.kill('SIGKILL') // never left running behind a failed start
      throw error
    }
    if (exited) throw new Error(`${kind}-server exited at start (port ${port})`)
  }
  const kill = async () => {
    const running = child
    child = undefined
    if (!running || running.exitCode !== null) return
    const gone = new Promise((resolve) => running.once('exit', resolve))
    running.kill('SIGKILL')
    await gone
  }
  await start()
  return { kind, url: `${kind}://127.0.0.1:${port}`, kill, start, stop: kill }
}
