import Database from 'better-sqlite3'
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import type { EventDraft } from '../../src/event.js'
import {
  commitInAnotherProcess,
  insertEventStatement,
  kyselyOn,
  type OpenedStore,
  sqliteForms,
  useTempFiles,
} from '../helpers/sqlite.js'
import { until } from '../helpers/wait.js'

const draft = (topic: string, i: number): EventDraft => ({ topic, type: 'n', data: JSON.stringify({ i }) })
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const INTERVAL_MS = 10

describe.each(sqliteForms)('onWake, sqliteStore({ $name })', (form) => {
  const files = useTempFiles()

  const setup = async (): Promise<OpenedStore & { filename: string; wakes: () => number; stop: () => void }> => {
    const filename = files.file()
    const opened = form.open(filename, { dataVersionIntervalMs: INTERVAL_MS })
    files.defer(() => opened.close())
    await opened.store.migrate()
    let count = 0
    const stop = opened.store.onWake((topic) => {
      expect(topic).toBeUndefined()
      count++
    })
    files.defer(stop)
    // Let the watcher take its baseline (asynchronous through Kysely) before the test commits.
    await pause(INTERVAL_MS * 3)
    return { ...opened, filename, wakes: () => count, stop }
  }

  it('does not fire while nothing is committed, reads included', async () => {
    const { store, wakes } = await setup()
    await store.heads(['a'])
    await store.readAfter([{ topic: 'a', after: 'x.0' }], 10)
    await store.checkResume('a', 'x.0')
    await pause(INTERVAL_MS * 15)
    expect(wakes()).toBe(0)
  })

  it('fires when another connection in this process commits', async () => {
    const { filename, wakes } = await setup()
    const other = new Database(filename)
    files.defer(() => other.close())
    const { sql: text, parameters } = insertEventStatement('a')
    other.prepare(text).run(...parameters)
    await until(() => wakes() > 0, 2_000, 'a wake-up')
  })

  it('fires when another OS process commits', async () => {
    const { filename, wakes } = await setup()
    await commitInAnotherProcess(filename, [insertEventStatement('a')])
    await until(() => wakes() > 0, 2_000, 'a wake-up')
  })

  it('fires after the store’s own append commits', async () => {
    const { store, wakes } = await setup()
    await store.append([draft('a', 1)])
    await until(() => wakes() > 0, 2_000, 'a wake-up')
  })

  it('fires once a caller’s transaction commits, not while it is open', async () => {
    const { filename, store, db, wakes } = await setup()
    let app = db
    if (!app) {
      const other = kyselyOn(filename)
      files.defer(() => other.db.destroy())
      app = other.db
    }
    await app.transaction().execute(async (trx) => {
      await store.append([draft('a', 1)], { transaction: trx })
      await sql`SELECT 1`.execute(trx)
      await pause(INTERVAL_MS * 10)
      expect(wakes()).toBe(0)
    })
    await until(() => wakes() > 0, 2_000, 'a wake-up')
  })

  it('stops calling a listener once it unsubscribes', async () => {
    const { filename, wakes, stop } = await setup()
    stop()
    await commitInAnotherProcess(filename, [insertEventStatement('a')])
    await pause(INTERVAL_MS * 10)
    expect(wakes()).toBe(0)
  })
})
