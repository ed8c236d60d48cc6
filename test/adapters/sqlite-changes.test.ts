/**
 * `changedTopics` on SQLite, beyond the conformance cases: its tokens are the newest event id seen
 * (`epoch.rowid`), a token it cannot compare lists nothing (read every topic) and comes back fresh,
 * retention emptying the table never moves a token back, and too much to list is declined.
 */
import { describe, expect, it } from 'vitest'
import type { EventDraft } from '../../src/event.js'
import { parseEventId } from '../../src/event-id.js'
import { kyselyOn, type OpenedStore, sqliteForms, useTempFiles } from '../helpers/sqlite.js'

const draft = (topic: string, i = 0): EventDraft => ({ topic, type: 'n', data: JSON.stringify({ i }) })
const epochOf = (id: string): string => parseEventId(id)?.epoch ?? ''

describe.each(sqliteForms)('sqliteStore({ $name }).changedTopics', (form) => {
  const files = useTempFiles()

  const open = async (filename = files.file()): Promise<OpenedStore> => {
    const opened = form.open(filename)
    files.defer(() => opened.close())
    await opened.store.migrate()
    return opened
  }

  it('answers the newest event id as the token, and lists each changed topic once', async () => {
    const { store } = await open()
    const first = await store.changedTopics(undefined)
    expect(first.topics).toEqual([])
    expect(store.isValidId(first.token)).toBe(true)
    const records = await store.append([draft('a', 1), draft('b', 1), draft('a', 2)])
    const changes = await store.changedTopics(first.token)
    expect([...(changes.topics ?? [])].sort()).toEqual(['a', 'b'])
    expect(changes.token).toBe(records[2]?.id)
    expect(await store.changedTopics(changes.token)).toEqual({ topics: [], token: changes.token })
  })

  it('declines a token of another database, a malformed one and one ahead of the log, with a fresh token', async () => {
    const { store } = await open()
    const { store: other } = await open(files.file('other.db'))
    await other.append([draft('x'), draft('x')])
    const [record] = await store.append([draft('a')])
    const head = record?.id as string
    const foreign = (await other.changedTopics(undefined)).token
    const ahead = `${epochOf(head)}.${(parseEventId(head)?.seq ?? 0) + 5}`
    for (const token of [foreign, 'not a token', '', ahead]) {
      expect(await store.changedTopics(token), token).toEqual({ topics: undefined, token: head })
    }
  })

  it('keeps its token when retention empties the table: ids never go back', async () => {
    const { store } = await open()
    await store.append([draft('a'), draft('b')])
    const { token } = await store.changedTopics(undefined)
    expect(await store.deleteBefore(new Date(Date.now() + 60_000))).toBe(2)
    expect(await store.changedTopics(token)).toEqual({ topics: [], token })
    const [fresh] = await store.append([draft('c')])
    expect(await store.changedTopics(token)).toEqual({ topics: ['c'], token: fresh?.id })
  })

  it('declines to list more than 1,000 topics, and more than 10,000 events behind', async () => {
    const { store } = await open()
    const start = (await store.changedTopics(undefined)).token
    const many = await store.append(Array.from({ length: 1_001 }, (_, i) => draft(`t-${i}`)))
    expect(await store.changedTopics(start)).toEqual({ topics: undefined, token: many.at(-1)?.id })
    const fewer = await store.changedTopics(many.at(-2)?.id)
    expect(fewer).toEqual({ topics: ['t-1000'], token: many.at(-1)?.id })

    const behind = (await store.changedTopics(undefined)).token
    const burst = await store.append(Array.from({ length: 10_001 }, (_, i) => draft('one', i)))
    expect(await store.changedTopics(behind)).toEqual({ topics: undefined, token: burst.at(-1)?.id })
    // Exactly 10,000 behind is still scanned.
    expect(await store.changedTopics(burst[0]?.id)).toEqual({ topics: ['one'], token: burst.at(-1)?.id })
  })

  it('lists what another store instance on the file committed, and nothing a rollback wrote', async () => {
    const { store } = await open()
    const peer = form.open(files.file())
    files.defer(() => peer.close())
    const app = kyselyOn(files.file())
    files.defer(() => app.db.destroy())
    const { token } = await store.changedTopics(undefined)
    // The rolled-back insert took the next id and gave it back with sqlite_sequence: the peer's event gets it.
    const rollback = app.db.transaction().execute(async (trx) => {
      await store.append([draft('rolled-back')], { transaction: trx })
      throw new Error('roll back')
    })
    await expect(rollback).rejects.toThrow('roll back')
    await peer.store.append([draft('peer')])
    expect((await store.changedTopics(token)).topics).toEqual(['peer'])
  })
})
