/**
 * Graceful shutdown of an example, as an operator sees it: the example runs as its own process with
 * 100 open streams from real `EventSource` clients (keep-alive connections, automatic reconnect
 * with `Last-Event-ID`). SIGTERM must end the process within a bound; then a fresh process on the
 * same SQLite file serves the clients again, and each has every event once, in order: those
 * delivered before the shutdown, one published while it shut down, and some published while no
 * server ran (this test writes them straight into the file through its own store).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { sqliteStore } from '../../adapters/sqlite/index.js'
import { type AppEvents, topicOf } from '../../examples/shared/events.js'
import { createBroker } from '../../src/index.js'
import { type ExampleProcess, startExampleProcess } from './example-process.js'
import { openStream, type StreamClient } from './stream-client.js'

const STREAMS = 100

/** Options of {@link describeShutdown}. */
export interface ShutdownOptions {
  /** The bound on the time from SIGTERM to the process's exit, in ms. Default 3,000. */
  exitWithinMs?: number
  /** Extra environment of the process. */
  env?: Record<string, string>
}

/** Declares the shutdown test of the server file `file` (run with `node --import tsx`). */
export function describeShutdown(name: string, file: string, { exitWithinMs = 3_000, env = {} }: ShutdownOptions = {}): void {
  describe(`${name} example shutdown`, () => {
    it(`exits within ${exitWithinMs} ms of SIGTERM with ${STREAMS} open streams; the clients resume on a fresh process with every event once`, async () => {
      const dir = mkdtempSync(join(tmpdir(), `durable-sse-${name.replace(/\W+/g, '-')}-shutdown-`))
      const dbFile = join(dir, 'app.db')
      const processes: ExampleProcess[] = []
      const clients: StreamClient[] = []
      const start = async (port: number) => {
        const started = await startExampleProcess(file, { ...env, PORT: String(port), EXAMPLE_DB: dbFile })
        processes.push(started)
        return started
      }
      const first = await start(0)
      const store = sqliteStore({ filename: dbFile })
      const publisher = createBroker<AppEvents>(store)
      onTestFinished(async () => {
        for (const client of clients) client.close()
        for (const running of processes) await running.kill()
        await publisher.close()
        await store.close()
        rmSync(dir, { recursive: true, force: true })
      })
      const published: string[] = []
      const publish = async (status: string) => {
        const event = { topic: topicOf('p1'), type: 'session_updated', payload: { sessionId: 'session-1', status } } as const
        published.push((await publisher.publish(event)).id)
      }
      const everyClientHasAll = (timeoutMs: number) =>
        Promise.all(clients.map((client) => client.until(() => client.events().length >= published.length, timeoutMs)))

      for (let i = 0; i < STREAMS; i++) clients.push(openStream(`${first.url}/api/projects/p1/events`, { token: 'alice-token' }))
      await Promise.all(clients.map((client) => client.until((received) => received.some((e) => e.type === 'connected'), 15_000)))
      await publish('running')
      await publish('paused')
      await everyClientHasAll(10_000)

      const exiting = first.terminate()
      await publish('done') // while it shuts down: delivered by it or, on resume, by the next process
      const exit = await exiting
      console.info(`[shutdown] ${name}: exited ${exit.ms} ms after SIGTERM with ${STREAMS} open streams`)
      expect(exit, first.output()).toMatchObject({ code: 0, signal: null })
      expect(exit.ms, first.output()).toBeLessThan(exitWithinMs)

      await publish('failed') // no server runs now
      await publish('idle')
      await start(first.port)
      await everyClientHasAll(20_000)
      for (const client of clients) {
        expect(client.events().map((event) => event.id)).toEqual(published)
        expect(client.received.filter((event) => event.type === 'reset')).toEqual([])
      }
    }, 60_000)
  })
}
