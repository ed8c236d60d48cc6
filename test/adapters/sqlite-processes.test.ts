import { describe, expect, it } from 'vitest'
import { sqliteStore } from '../../adapters/sqlite/index.js'
import type { EventRecord } from '../../src/event.js'
import { parseEventId } from '../../src/event-id.js'
import { appendInAnotherProcess, useTempFiles } from '../helpers/sqlite.js'
import { until } from '../helpers/wait.js'

const seq = (id: string): number => parseEventId(id)?.seq ?? Number.NaN

describe('several processes on one SQLite file', () => {
  const files = useTempFiles()

  it('migrate and append concurrently: every event once, each topic in id order, each writer in its order', async () => {
    const filename = files.file()
    const store = sqliteStore({ filename, busyTimeoutMs: 20_000 })
    files.defer(() => store.close())
    const count = 600
    let exited = 0
    const children = ['p1', 'p2', 'p3'].map((name) =>
      appendInAnotherProcess(filename, { name, topics: ['shared', `own-${name}`], count, batch: 3 }).finally(() => {
        exited++
      }),
    )
    await store.migrate()
    let wakes = 0
    files.defer(store.onWake(() => wakes++))
    // Start writing once another process writes, and keep writing while they do.
    await until(async () => seq((await store.heads(['shared'])).get('shared') as string) > 0, 20_000, 'a child write')
    let written = 0
    while (written < count || exited < children.length) {
      const drafts = Array.from({ length: 3 }, () => ({
        topic: 'shared',
        type: 'n',
        data: JSON.stringify({ process: 'parent', i: written++ }),
      }))
      await store.append(drafts)
      await new Promise((resolve) => setImmediate(resolve)) // let the children's exits be noticed
      if (written > 200_000) throw new Error('the other processes never finished')
    }
    await Promise.all(children)

    const [start] = (await store.heads(['none'])).values()
    const readAll = async (topic: string): Promise<EventRecord[]> => {
      const all: EventRecord[] = []
      let after = start as string
      for (;;) {
        const page = (await store.readAfter([{ topic, after }], 97)).get(topic) ?? []
        if (page.length === 0) return all
        all.push(...page)
        after = page[page.length - 1]!.id
      }
    }
    const shared = await readAll('shared')
    expect(shared).toHaveLength(3 * count + written)
    const seqs = shared.map((record) => seq(record.id))
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b))
    expect(new Set(seqs).size).toBe(seqs.length)
    for (const name of ['parent', 'p1', 'p2', 'p3']) {
      const mine = shared.map((record) => JSON.parse(record.data)).filter((data) => data.process === name)
      const expected = name === 'parent' ? written : count
      expect(mine.map((data) => data.i)).toEqual(Array.from({ length: expected }, (_, i) => i))
    }
    // The writers really overlapped: some child event committed between two of the parent's.
    const processes = shared.map((record) => JSON.parse(record.data).process as string)
    const firstParent = processes.indexOf('parent')
    expect(processes.slice(firstParent, processes.lastIndexOf('parent')).some((name) => name !== 'parent')).toBe(true)
    for (const name of ['p1', 'p2', 'p3']) expect(await readAll(`own-${name}`)).toHaveLength(count)
    expect(wakes).toBeGreaterThan(0)
  })
})
