import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type Broker, createBroker } from '../src/index.js'
import { storeKinds, type TestStore } from './helpers/stores.js'
import { until } from './helpers/wait.js'

type Events = { session_updated: { sessionId: string; status: string } }

describe.each(storeKinds)('SSE as a web Response on $name store', (kind) => {
  let made: TestStore
  let broker: Broker<Events>

  beforeEach(async () => {
    made = await kind.make()
    broker = createBroker<Events>(made.store, { pollIntervalMs: 60_000, retryMs: 1_500 })
  })
  afterEach(async () => {
    await broker.close()
    await made.dispose()
  })

  const read = async (reader: ReadableStreamDefaultReader<Uint8Array>) => new TextDecoder().decode((await reader.read()).value)

  it('streams the same frames as the Node path, with the SSE headers and no Connection header', async () => {
    const response = await broker.response(new Request('http://app.test/api/projects/p1/events'), { topic: 'p1' })
    expect(response.status).toBe(200)
    expect(Object.fromEntries(response.headers)).toEqual({
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    })
    const reader = response.body?.getReader() as ReadableStreamDefaultReader<Uint8Array>
    expect(await read(reader)).toMatch(/^retry: 1500\n\nid: [0-9a-z]+\.\d+\nevent: connected\ndata: \{\}\n\n$/)
    const stored = await broker.publish({ topic: 'p1', type: 'session_updated', payload: { sessionId: 's', status: 'ok' } })
    expect(await read(reader)).toBe(
      `id: ${stored.id}\nevent: session_updated\ndata: {"id":"${stored.id}","type":"session_updated","topic":"p1","payload":{"sessionId":"s","status":"ok"},"createdAt":"${stored.createdAt}"}\n\n`,
    )
    await reader.cancel()
  })

  it('cancelling the body removes the subscriber', async () => {
    const response = await broker.response(new Request('http://app.test/e'), { topic: 'p1' })
    expect(broker.stats().subscribers).toBe(1)
    await response.body?.cancel()
    expect(broker.stats()).toMatchObject({ subscribers: 0, topics: 0 })
  })

  it('aborting the request removes the subscriber and ends the body', async () => {
    const controller = new AbortController()
    const response = await broker.response(new Request('http://app.test/e', { signal: controller.signal }), { topic: 'p1' })
    const reader = response.body?.getReader() as ReadableStreamDefaultReader<Uint8Array>
    await reader.read() // prelude
    const pending = reader.read()
    expect(broker.stats().subscribers).toBe(1)
    controller.abort()
    expect(await pending).toEqual({ done: true, value: undefined })
    await until(() => broker.stats().subscribers === 0)
    expect(broker.stats().topics).toBe(0)
  })

  it('resumes from Last-Event-ID and refuses a malformed one with 400', async () => {
    const [a, b] = await broker.publish([
      { topic: 'p1', type: 'session_updated', payload: { sessionId: 'a', status: '1' } },
      { topic: 'p1', type: 'session_updated', payload: { sessionId: 'b', status: '2' } },
    ])
    const response = await broker.response(new Request('http://app.test/e', { headers: { 'Last-Event-ID': a?.id as string } }), {
      topic: 'p1',
    })
    const reader = response.body?.getReader() as ReadableStreamDefaultReader<Uint8Array>
    expect(await read(reader)).toContain(`id: ${a?.id}\nevent: connected`)
    expect(await read(reader)).toContain(`id: ${b?.id}\nevent: session_updated`)
    await reader.cancel()
    const refused = await broker.response(new Request('http://app.test/e?lastEventId=%0Aevil'), { topic: 'p1' })
    expect(refused.status).toBe(400)
    expect(broker.stats().subscribers).toBe(0)
  })

  it('after close() answers "retry later" with Connection: close, so a Node HTTP/1.1 server closes that connection', async () => {
    await broker.close()
    const later = await broker.response(new Request('http://app.test/e'), { topic: 'p1' })
    expect(later.status).toBe(200)
    expect(later.headers.get('connection')).toBe('close')
    expect(await later.text()).toBe('retry: 1500\n\n')
  })

  it('refuses a resume position given twice, in the query or in the headers, with 400', async () => {
    const [a, b] = await broker.publish([
      { topic: 'p1', type: 'session_updated', payload: { sessionId: 'a', status: '1' } },
      { topic: 'p1', type: 'session_updated', payload: { sessionId: 'b', status: '2' } },
    ])
    const twiceInQuery = await broker.response(new Request(`http://app.test/e?lastEventId=${a?.id}&lastEventId=${b?.id}`), {
      topic: 'p1',
    })
    expect([twiceInQuery.status, await twiceInQuery.text()]).toEqual([400, `malformed event id "${a?.id}, ${b?.id}"`])
    const headers = new Headers([
      ['Last-Event-ID', a?.id as string],
      ['Last-Event-ID', b?.id as string],
    ])
    const twiceInHeaders = await broker.response(new Request('http://app.test/e', { headers }), { topic: 'p1' })
    expect(twiceInHeaders.status).toBe(400)
    expect(broker.stats().subscribers).toBe(0)
  })

  it('one handler serves both worlds: a web request gets a Response', async () => {
    const handler = broker.handler({
      topic: async (_request: Request, context: { params: Promise<{ id: string }> }) => (await context.params).id,
    })
    const response = (await handler(new Request('http://app.test/e'), { params: Promise.resolve({ id: 'p9' }) })) as Response
    expect(response.status).toBe(200)
    expect(broker.stats().topics).toBe(1)
    await response.body?.cancel()
  })
})
