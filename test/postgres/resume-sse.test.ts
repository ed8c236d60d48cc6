/**
 * DESIGN invariant 3 over SSE on Postgres, with `broker.handle` on node:http and the `eventsource`
 * client: replay after an id (paged, handed over to live without a gap or a repeat), the query
 * parameter for the first connection (the header wins), a real reconnect with `Last-Event-ID`,
 * `reset` for pruned, ahead-of-head and other-database ids, and 400 for malformed ones.
 */
import { expect, it } from 'vitest'
import { parseEventId } from '../../src/event-id.js'
import { describePostgres, seqOf, uniqueTopic } from '../helpers/postgres.js'
import { httpServer } from '../helpers/servers.js'
import { type RecordingClient, recordingClient } from '../helpers/sse-client.js'
import { pgBroker } from './helpers/broker.js'

describePostgres('broker: resume over SSE', (database) => {
  const serve = async (brokerOptions = {}) => {
    const { broker, store, errors } = await pgBroker(database, {}, { batchSize: 50, retryMs: 50, ...brokerOptions })
    const server = await httpServer((req, res) => {
      const topic = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.slice(1))
      return broker.handle(req, res, { topic })
    })
    database.defer(() => server.close())
    const clients: RecordingClient[] = []
    database.defer(() => {
      for (const client of clients) client.close()
    })
    const open = (topic: string, options: { lastEventId?: string; query?: string } = {}) => {
      const query = options.query === undefined ? '' : `?lastEventId=${encodeURIComponent(options.query)}`
      const client = recordingClient(`${server.url}/${encodeURIComponent(topic)}${query}`, ['n'], options)
      clients.push(client)
      return client
    }
    const publishN = (topic: string, from: number, count: number) =>
      broker.publish(Array.from({ length: count }, (_, i) => ({ topic, type: 'n', payload: { n: from + i } })))
    return { broker, store, errors, server, open, publishN }
  }
  const ns = (client: RecordingClient) => client.events().map((m) => JSON.parse(m.data).payload.n as number)
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)
  const types = (client: RecordingClient) => client.received.map((m) => m.type)

  it('replays after an id in pages and hands over to live events without a gap or a repeat', async () => {
    const { open, publishN, errors } = await serve()
    const topic = uniqueTopic('replay')
    const first = await publishN(topic, 1, 180)
    const client = open(topic, { lastEventId: first[9]?.id })
    // Live publishes from the moment the client connects, racing its replay (in order, one call at a time).
    for (let i = 0; i < 6; i++) await publishN(topic, 181 + i * 10, 10)
    await client.until((received) => received.filter((m) => m.type === 'n').length >= 230, 15_000)
    expect(types(client)[0]).toBe('connected')
    expect(client.received[0]?.id).toBe(first[9]?.id) // the replay point
    expect(ns(client)).toEqual(range(11, 240))
    expect(client.events().map((m) => seqOf(m.id))).toEqual(range(11, 240))
    expect(errors).toEqual([])
  })

  it('takes lastEventId from the query for a first connection; the header wins over it', async () => {
    const { open, publishN } = await serve()
    const topic = uniqueTopic('query')
    const events = await publishN(topic, 1, 10)
    const byQuery = open(topic, { query: events[6]?.id })
    await byQuery.until((received) => received.filter((m) => m.type === 'n').length >= 3)
    expect(ns(byQuery)).toEqual([8, 9, 10])
    const both = open(topic, { query: events[2]?.id, lastEventId: events[7]?.id })
    await both.until((received) => received.filter((m) => m.type === 'n').length >= 2)
    await publishN(topic, 11, 1)
    await both.until((received) => received.filter((m) => m.type === 'n').length >= 3)
    await byQuery.until((received) => received.filter((m) => m.type === 'n').length >= 4)
    expect(ns(both)).toEqual([9, 10, 11])
    expect(ns(byQuery)).toEqual([8, 9, 10, 11])
  })

  it('a client whose connection drops reconnects with Last-Event-ID and misses nothing', async () => {
    const { open, publishN, server } = await serve()
    const topic = uniqueTopic('reconnect')
    const client = open(topic)
    await client.until((received) => received.some((m) => m.type === 'connected'))
    await publishN(topic, 1, 20)
    await client.until((received) => received.filter((m) => m.type === 'n').length >= 20)
    server.server.closeAllConnections() // the server side drops the stream
    await publishN(topic, 21, 20) // committed while the client is away
    await client.until((received) => received.filter((m) => m.type === 'connected').length >= 2)
    await publishN(topic, 41, 20)
    await client.until((received) => received.filter((m) => m.type === 'n').length >= 60, 10_000)
    expect(ns(client)).toEqual(range(1, 60))
    expect(client.received.filter((m) => m.type === 'connected')[1]?.id).toBe(client.events()[19]?.id) // resumed after #20
  })

  it('resets for a pruned id, resumes from the pruning boundary, and streams live after the reset', async () => {
    const { open, publishN, store } = await serve()
    const topic = uniqueTopic('pruned')
    const events = await publishN(topic, 1, 10)
    await database.query(
      `UPDATE "${database.schema}".durable_sse_events SET created_at = now() - interval '1 day' WHERE topic = $1 AND seq <= 5`,
      [topic],
    )
    expect(await store.deleteBefore(new Date(Date.now() - 3_600_000))).toBe(5)

    const stale = open(topic, { lastEventId: events[1]?.id }) // #2: #3..#5 are gone
    const boundary = open(topic, { lastEventId: events[4]?.id }) // #5: everything after it is still there
    await stale.until((received) => received.some((m) => m.type === 'connected'))
    await boundary.until((received) => received.filter((m) => m.type === 'n').length >= 5)
    await publishN(topic, 11, 1)
    await stale.until((received) => received.some((m) => m.type === 'n'))
    await boundary.until((received) => received.filter((m) => m.type === 'n').length >= 6)
    expect(types(stale)).toEqual(['reset', 'connected', 'n'])
    expect(stale.received[0]).toMatchObject({ id: events[9]?.id, data: JSON.stringify({ reason: 'pruned', topic }) })
    expect(ns(stale)).toEqual([11])
    expect(ns(boundary)).toEqual(range(6, 11))
  })

  it('resets for an id ahead of the head and for ids of another database', async () => {
    const { open, publishN } = await serve()
    const topic = uniqueTopic('reset')
    const events = await publishN(topic, 1, 3)
    const epoch = parseEventId(events[0]?.id ?? '')?.epoch as string
    const other = await pgBroker(database, { tablePrefix: 'elsewhere_' }) // its own tables, its own epoch
    const [foreign] = await other.broker.publish([{ topic, type: 'n', payload: { n: 0 } }])
    expect(parseEventId(foreign?.id ?? '')?.epoch).not.toBe(epoch)
    const cases = [
      { id: `${epoch}.4`, reason: 'ahead' },
      { id: `${epoch}.999999`, reason: 'ahead' },
      { id: foreign?.id as string, reason: 'foreign' },
      { id: epoch === 'zzzzzzzz' ? 'yyyyyyyy.2' : 'zzzzzzzz.2', reason: 'foreign' },
    ]
    const clients = cases.map(({ id }) => open(topic, { lastEventId: id }))
    await Promise.all(clients.map((c) => c.until((received) => received.some((m) => m.type === 'connected'))))
    await publishN(topic, 4, 1)
    await Promise.all(clients.map((c) => c.until((received) => received.some((m) => m.type === 'n'))))
    cases.forEach(({ reason }, i) => {
      const client = clients[i] as RecordingClient
      expect(types(client), reason).toEqual(['reset', 'connected', 'n'])
      expect(client.received[0]).toMatchObject({ id: events[2]?.id, data: JSON.stringify({ reason, topic }) })
      expect(ns(client)).toEqual([4]) // live from the head, nothing replayed
    })
  })

  it('answers 400 with a short text body for a malformed id, in the header or the query', async () => {
    const { server } = await serve()
    const topic = uniqueTopic('malformed')
    for (const bad of ['nonsense', 'abc.01', '1.2.3', 'ABC.1', 'abc.-1', 'x'.repeat(300), 'abc.99999999999999999']) {
      for (const where of ['header', 'query'] as const) {
        const url = `${server.url}/${topic}${where === 'query' ? `?lastEventId=${encodeURIComponent(bad)}` : ''}`
        const response = await fetch(url, where === 'header' ? { headers: { 'Last-Event-ID': bad } } : {})
        expect(response.status, `${where} ${bad.slice(0, 20)}`).toBe(400)
        expect(response.headers.get('content-type')).toMatch(/^text\/plain/)
        expect((await response.text()).length).toBeLessThan(200)
      }
    }
  })
})
