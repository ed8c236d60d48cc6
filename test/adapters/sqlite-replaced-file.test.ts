import { execFile } from 'node:child_process'
import { existsSync, realpathSync, rmSync } from 'node:fs'
import { promisify } from 'node:util'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { sqliteStore } from '../../adapters/sqlite/index.js'
import { createBroker, DatabaseReplacedError, type StoredEvent } from '../../src/index.js'
import { sqliteForms, useTempFiles } from '../helpers/sqlite.js'
import { until } from '../helpers/wait.js'

type Swap = 'deleted and re-created' | 'renamed over' | 'deleted'

/** Another program replaces the file (test/fixtures/sqlite-replace-file.ts), writing `count` events of its own to `topic`. */
async function swapFile(swap: Swap, filename: string, topic: string, count: number): Promise<void> {
  if (swap === 'deleted') {
    for (const suffix of ['', '-wal', '-shm']) rmSync(filename + suffix, { force: true })
    return
  }
  const mode = swap === 'renamed over' ? 'rename' : 'delete'
  await promisify(execFile)(process.execPath, [
    '--import',
    'tsx',
    'test/fixtures/sqlite-replace-file.ts',
    mode,
    filename,
    topic,
    String(count),
  ])
}

/** The ids and payloads of every event in the file now at `filename`, read by a fresh connection. */
function eventsAt(filename: string): { id: string; data: unknown }[] {
  const db = new Database(filename, { readonly: true, fileMustExist: true })
  try {
    const { value: epoch } = db.prepare("SELECT value FROM durable_sse_meta WHERE key = 'epoch'").get() as { value: string }
    const rows = db.prepare('SELECT id, data FROM durable_sse_events ORDER BY id').all() as { id: number; data: string }[]
    return rows.map((row) => ({ id: `${epoch}.${row.id}`, data: JSON.parse(row.data) }))
  } finally {
    db.close()
  }
}

describe.each(sqliteForms)('sqliteStore({ $name }) when its file is replaced under it', (form) => {
  const files = useTempFiles()

  it.each<Swap>(['deleted and re-created', 'renamed over', 'deleted'])(
    '%s: publishes reject with DatabaseReplacedError, nothing acknowledged is missing from the file, reported once',
    async (swap) => {
      const filename = files.file()
      const reported: unknown[] = []
      const opened = form.open(filename, { onError: (error) => reported.push(error) })
      files.defer(() => opened.close())
      await opened.store.migrate()
      const broker = createBroker(opened.store)
      files.defer(() => broker.close())
      const [start] = (await opened.store.heads(['t'])).values()
      await broker.publish([1, 2, 3].map((i) => ({ topic: 't', type: 'n', payload: { before: i } })))
      const path = realpathSync(filename)

      await swapFile(swap, filename, 't', 2)
      // The three publishes after the swap, grouped into one append, then three more one by one.
      const outcomes = await Promise.allSettled(
        [1, 2, 3].map((i) => broker.publish({ topic: 't', type: 'n', payload: { after: i } })),
      )
      for (const i of [4, 5, 6]) {
        outcomes.push(...(await Promise.allSettled([broker.publish({ topic: 't', type: 'n', payload: { after: i } })])))
      }

      const acknowledged = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value as StoredEvent] : []))
      const inFile = existsSync(filename) ? eventsAt(filename).map((event) => event.id) : []
      for (const event of acknowledged) expect(inFile).toContain(event.id)
      expect(outcomes.map((outcome) => outcome.status)).toEqual(Array(6).fill('rejected'))
      const error = (outcomes[0] as PromiseRejectedResult).reason
      expect(error).toBeInstanceOf(DatabaseReplacedError)
      expect(error).toMatchObject({ code: 'DATABASE_REPLACED', path, change: swap === 'deleted' ? 'deleted' : 'replaced' })
      for (const outcome of outcomes) expect((outcome as PromiseRejectedResult).reason).toBe(error)

      // Reads fail loudly too: a reader of the old file would see a log no one writes to any more.
      await expect(opened.store.heads(['t'])).rejects.toBe(error)
      await expect(opened.store.readAfter([{ topic: 't', after: start as string }], 10)).rejects.toBe(error)
      await expect(opened.store.checkResume('t', start as string)).rejects.toBe(error)
      expect(reported).toEqual([error])

      // Closing the store on the old file leaves the new one as the other program wrote it, even its
      // live -wal (SQLite deletes -wal and -shm by name when the last connection to a file closes).
      if (swap === 'deleted') {
        await broker.close()
        await opened.close()
        expect(existsSync(filename)).toBe(false)
        return
      }
      const other = new Database(filename)
      files.defer(() => other.close())
      other
        .prepare('INSERT INTO durable_sse_events (topic, type, data, created_at) VALUES (?, ?, ?, ?)')
        .run('t', 'n', JSON.stringify({ from: 'new-file', i: 2 }), new Date().toISOString())
      expect(existsSync(`${filename}-wal`)).toBe(true)
      await broker.close()
      await opened.close()
      expect(existsSync(`${filename}-wal`)).toBe(true)
      expect(eventsAt(filename).map((event) => event.data)).toEqual([0, 1, 2].map((i) => ({ from: 'new-file', i })))
    },
    20_000,
  )

  it('notices on the wake-up timer, with no publish, and reports once', async () => {
    const filename = files.file()
    const reported: unknown[] = []
    const opened = form.open(filename, { onError: (error) => reported.push(error), dataVersionIntervalMs: 10 })
    files.defer(() => opened.close())
    await opened.store.migrate()
    files.defer(opened.store.onWake(() => {}))

    await swapFile('deleted', filename, 't', 0)
    await until(() => reported.length > 0, 5_000, 'the report')
    const [error] = reported
    expect(error).toBeInstanceOf(DatabaseReplacedError)
    expect(error).toMatchObject({ change: 'deleted' })
    await expect(opened.store.append([{ topic: 't', type: 'n', data: '{}' }])).rejects.toBe(error)
    // Later checks of the timer report nothing more.
    await new Promise((resolve) => setTimeout(resolve, 50)) // a few timer intervals: waiting for something not to happen
    expect(reported).toEqual([error])
    expect(existsSync(filename)).toBe(false)
  })
})

describe('a database only this process can see', () => {
  it('has no file to watch: sqliteStore({ database: in memory }) keeps working', async () => {
    const database = new Database(':memory:')
    const reported: unknown[] = []
    const store = sqliteStore({ database, onError: (error) => reported.push(error) })
    await store.migrate()
    expect(await store.append([{ topic: 't', type: 'n', data: '{}' }])).toHaveLength(1)
    expect(reported).toEqual([])
    await store.close()
    database.close()
  })
})
