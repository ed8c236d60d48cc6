import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { sqliteStore } from '../adapters/sqlite/index.js'
import { createBroker } from '../src/index.js'
import { tempDir } from './helpers/stores.js'
import { take } from './helpers/wait.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

describe('SQLite across OS processes', () => {
  it('an event published by another process reaches a subscriber here, woken by data_version, well before the backstop poll', async () => {
    const temp = tempDir()
    const filename = join(temp.dir, 'events.db')
    const store = sqliteStore({ filename })
    await store.migrate()
    const pollIntervalMs = 5_000
    const broker = createBroker(store, { pollIntervalMs })
    cleanups.push(
      temp.remove,
      () => store.close(),
      () => broker.close(),
    )
    const subscription = broker.subscribe('project-1')
    await subscription.ready

    const count = 20
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/fixtures/sqlite-publisher.ts', filename, 'project-1', String(count), '30'],
      {
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    )
    const exited = new Promise((resolve) => child.on('exit', resolve))
    cleanups.push(() => child.kill())

    const latenciesMs: number[] = []
    const payloads: Array<{ i: number; sentAt: string }> = []
    for (let i = 0; i < count; i++) {
      const [event] = await take(subscription, 1, 20_000)
      const payload = event?.payload as { i: number; sentAt: string }
      latenciesMs.push(Number(process.hrtime.bigint() - BigInt(payload.sentAt)) / 1e6)
      payloads.push(payload)
    }
    expect(await exited).toBe(0)
    expect(payloads.map((p) => p.i)).toEqual(Array.from({ length: count }, (_, i) => i))
    // data_version is checked every 25 ms; the backstop would take up to 5,000 ms.
    expect(Math.max(...latenciesMs)).toBeLessThan(pollIntervalMs / 10)
  }, 40_000)
})
