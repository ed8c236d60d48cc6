/**
 * A NATS server of the benchmark's own (Debian's `nats-server`, installed by `.ci/run`) on a free
 * loopback port, for the scenarios where the bus carries the events; never a shared server.
 * @module
 */
import { spawn } from 'node:child_process'
import { connect, createServer } from 'node:net'
import { sleep } from './clock.js'

/** A running NATS server. */
export interface NatsServer {
  /** `nats://127.0.0.1:<port>`. */
  url: string
  /** Stops it. */
  stop(): Promise<void>
}

/** A loopback port free a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/** Whether something accepts connections on `port`. */
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

/** Starts `nats-server` on a free port; resolves once it takes connections. */
export async function startNatsServer(): Promise<NatsServer> {
  const port = await freePort()
  const child = spawn('/usr/sbin/nats-server', ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const deadline = Date.now() + 10_000
  while (!(await accepting(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL') // never left running behind a failed start
      throw new Error(`nats-server did not start on port ${port}`)
    }
    await sleep(20)
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    async stop() {
      child.kill('SIGTERM')
      await exited
    },
  }
}
