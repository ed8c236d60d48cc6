/**
 * SSE end to end on MariaDB with the `eventsource` client (issue 22, acceptance 2): the app server
 * process is killed and started again; the client reconnects with `Last-Event-ID` and gets exactly
 * the events committed while it was away, then live ones; an id retention pruned gets `reset`.
 */
import { expect, it } from 'vitest'
import { createBroker } from '../../src/index.js'
import { describeMysql } from '../helpers/mysql.js'
import { uniqueTopic } from '../helpers/postgres.js'
import { freePort, httpServer } from '../helpers/servers.js'
import { type RecordingClient, recordingClient } from '../helpers/sse-client.js'
import { startScript, stopFixture } from '../postgres/helpers/child.js'

describeMysql('mysql: resume over SSE', (database) => {
  const publisher = async () => {
    const store = await database.store()
    const broker = createBroker(store, { heartbeatMs: 0, retryMs: 50 })
    database.defer(() => broker.close())
    const publishN = (topic: string, from: number, count: number) =>
      broker.publish(Array.from({ length: count }, (_, i) => ({ topic, type: 'n', payload: { n: from + i } })))
    return { store, broker, publishN }
  }
  const open = (url: string, lastEventId?: string): RecordingClient => {
    const client = recordingClient(url, ['n'], { lastEventId })
    database.defer(() => client.close())
    return client
  }
  const ns = (client: RecordingClient) => client.events().map((m) => JSON.parse(m.data).payload.n as number)
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)
  const count = (type: string) => (received: RecordingClient['received']) => received.filter((m) => m.type === type).length

  it('after the app server is killed and restarted, the client resumes with Last-Event-ID: exactly the missed events, then live', async () => {
    const { publishN } = await publisher() // migrates the tables
    const port = await freePort()
    const env = { MYSQL_URL: database.url, PORT: String(port) }
    const first = startScript('test/mysql/fixtures/sse-server.ts', env)
    database.defer(() => stopFixture(first))
    await first.message((m) => m.kind === 'ready', 'the app server listens')
    const topic = uniqueTopic('restart')
    const client = open(`http://127.0.0.1:${port}/${encodeURIComponent(topic)}`)
    await client.until((received) => count('connected')(received) === 1)
    await publishN(topic, 1, 20)
    await client.until((received) => count('n')(received) >= 20)

    await stopFixture(first) // SIGKILL: no clean end of the stream
    await publishN(topic, 21, 15) // committed while the app is down
    const second = startScript('test/mysql/fixtures/sse-server.ts', env)
    database.defer(() => stopFixture(second))
    await second.message((m) => m.kind === 'ready', 'the app server listens again')
    await client.until((received) => count('connected')(received) === 2, 15_000)
    await publishN(topic, 36, 5)
    await client.until((received) => count('n')(received) >= 40, 10_000)

    expect(ns(client)).toEqual(range(1, 40))
    expect(client.received.filter((m) => m.type === 'connected')[1]?.id).toBe(client.events()[19]?.id) // resumed after #20
    expect(client.received.map((m) => m.type).filter((type) => type === 'reset')).toEqual([])
  })

  it('a pruned id gets reset, then live events; an id at the pruning boundary resumes', async () => {
    const { publishN, store, broker } = await publisher()
    const topic = uniqueTopic('pruned')
    const events = await publishN(topic, 1, 10)
    await database.query(
      'UPDATE durable_sse_events SET created_at = UTC_TIMESTAMP(3) - INTERVAL 1 DAY WHERE topic = ? AND seq <= 5',
      [topic],
    )
    expect(await store.deleteBefore(new Date(Date.now() - 3_600_000))).toBe(5)
    const server = await httpServer((req, res) =>
      broker.handle(req, res, { topic: decodeURIComponent((req.url ?? '/').slice(1)) }),
    )
    database.defer(() => server.close())
    const url = `${server.url}/${encodeURIComponent(topic)}`

    const stale = open(url, events[1]?.id) // #2: #3..#5 are gone
    const boundary = open(url, events[4]?.id) // #5: everything after it is still there
    await stale.until((received) => count('connected')(received) === 1)
    await boundary.until((received) => count('n')(received) >= 5)
    await publishN(topic, 11, 1)
    await stale.until((received) => count('n')(received) >= 1)
    await boundary.until((received) => count('n')(received) >= 6)
    expect(stale.received.map((m) => m.type)).toEqual(['reset', 'connected', 'n'])
    expect(stale.received[0]).toMatchObject({ id: events[9]?.id, data: JSON.stringify({ reason: 'pruned', topic }) })
    expect(ns(stale)).toEqual([11])
    expect(ns(boundary)).toEqual(range(6, 11))
  })
})
