import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import { createBroker, PublishFailedError } from '../../src/index.js'
import { sqliteForms, useTempFiles } from '../helpers/sqlite.js'

/** A child process that holds SQLite's write lock on `filename` (`BEGIN IMMEDIATE`) until released. */
async function holdWriteLock(filename: string): Promise<{ release(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/sqlite-lock-holder.ts', filename], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const exited = once(child, 'exit')
  let output = ''
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('locked\n')) resolve()
    })
    child.once('exit', (code) => reject(new Error(`the lock holder exited early (${code})`)))
  })
  let released: Promise<void> | undefined
  return {
    release() {
      released ??= (async () => {
        child.stdin?.end('release\n')
        const [code] = await exited
        expect(code).toBe(0)
      })()
      return released
    },
  }
}

interface Outcome {
  waitedMs: number
  error?: unknown
}

describe.each(sqliteForms)('sqliteStore({ $name }) while another process holds the write lock', (form) => {
  const files = useTempFiles()

  it('no publish waits longer than busyTimeoutMs; each rejects with PublishFailedError(SQLITE_BUSY); after the release publishes succeed', async () => {
    const busyTimeoutMs = 500
    const filename = files.file()
    const opened = form.open(filename, { busyTimeoutMs })
    files.defer(() => opened.close())
    await opened.store.migrate()
    const broker = createBroker(opened.store)
    files.defer(() => broker.close())
    await broker.publish({ topic: 't', type: 'n', payload: { before: true } })

    const holder = await holdWriteLock(filename)
    files.defer(() => holder.release())
    // Timers keep firing while publishes wait: the driver never sleeps on the event loop.
    let lastTick = performance.now()
    let longestGapMs = 0
    const ticker = setInterval(() => {
      const now = performance.now()
      longestGapMs = Math.max(longestGapMs, now - lastTick)
      lastTick = now
    }, 5)
    files.defer(() => clearInterval(ticker))

    const calls: Promise<Outcome>[] = []
    const started = performance.now()
    while (performance.now() - started < 3 * busyTimeoutMs) {
      const issued = performance.now()
      calls.push(
        broker.publish({ topic: 't', type: 'n', payload: { i: calls.length } }).then(
          () => ({ waitedMs: performance.now() - issued }),
          (error: unknown) => ({ waitedMs: performance.now() - issued, error }),
        ),
      )
      await new Promise((resolve) => setTimeout(resolve, 10)) // pacing: publishes issued throughout
    }
    const outcomes = await Promise.all(calls)
    clearInterval(ticker)

    expect(outcomes.length).toBeGreaterThan(50)
    for (const outcome of outcomes) {
      expect(outcome.error).toBeInstanceOf(PublishFailedError)
      expect((outcome.error as PublishFailedError).cause).toMatchObject({ code: 'SQLITE_BUSY' })
    }
    const waits = outcomes.map((outcome) => outcome.waitedMs)
    expect(Math.max(...waits)).toBeLessThanOrEqual(busyTimeoutMs + 100)
    // The first publish really waited for the lock, the whole timeout.
    expect(waits[0]).toBeGreaterThanOrEqual(busyTimeoutMs - 5)
    expect(longestGapMs).toBeLessThan(200)

    // A publish waiting when the lock is released gets it; later ones go straight through.
    const waiting = broker.publish({ topic: 't', type: 'n', payload: { waiting: true } })
    await holder.release()
    const written = await waiting
    const after = await broker.publish({ topic: 't', type: 'n', payload: { after: true } })
    const [start] = (await opened.store.heads(['none'])).values()
    const read = (await opened.store.readAfter([{ topic: 't', after: start as string }], 100)).get('t') ?? []
    expect(read.map((record) => JSON.parse(record.data))).toEqual([{ before: true }, { waiting: true }, { after: true }])
    expect(read.slice(1).map((record) => record.id)).toEqual([written.id, after.id])
  }, 20_000)
})
