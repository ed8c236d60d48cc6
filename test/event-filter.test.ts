/**
 * Per-event filters (`filter` beside `authorize`): a filtered stream never receives a rejected
 * event, receives every accepted one once in order, and resumes from before a run of rejected
 * events without a reset and without them; the same through `subscribe`. Real stores, a real HTTP
 * server and the `eventsource` client.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Batch } from '../src/batch.js'
import { BoundFilter } from '../src/event-filter.js'
import { type AuthorizeContext, type Broker, createBroker, type StoredEvent } from '../src/index.js'
import { httpServer, type Running } from './helpers/servers.js'
import { recordingClient } from './helpers/sse-client.js'
import { storeKinds, type TestStore } from './helpers/stores.js'
import { take, until } from './helpers/wait.js'

type Events = { note: { n: number; visible: boolean } }

const note = (topic: string, n: number, visible: boolean) => ({ topic, type: 'note', payload: { n, visible } }) as const
/** The filter under test: only visible notes. */
const visibleOnly = (event: StoredEvent<'note', Events['note']>) => event.payload.visible

describe.each(storeKinds)('filter on $name store', (kind) => {
  let made: TestStore
  let broker: Broker<Events>
  let running: Running
  const errors: unknown[] = []
  const contexts: AuthorizeContext[] = []

  beforeEach(async () => {
    made = await kind.make()
    errors.length = 0
    contexts.length = 0
    broker = createBroker<Events>(made.store, { pollIntervalMs: 60_000, retryMs: 50, onError: (e) => errors.push(e) })
    running = await httpServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x')
      const topics = url.searchParams.getAll('topic')
      return broker.handle(req, res, {
        topics,
        filter: (event, context) => {
          contexts.push(context)
          return visibleOnly(event)
        },
      })
    })
  })
  afterEach(async () => {
    await broker.close()
    await running.close()
    await made.dispose()
  })

  it('SSE: rejected events never arrive, accepted ones arrive once in order, and a resume from before a run of rejected ones neither replays them nor resets', async () => {
    const first = recordingClient(`${running.url}/?topic=t`, ['note'])
    await first.until((r) => r.some((m) => m.type === 'connected'))
    // One batch with a mix, then single events: the stream's position moves past every rejected one.
    const mixed = await broker.publish([note('t', 1, true), note('t', 2, false), note('t', 3, true), note('t', 4, false)])
    const [hidden] = await broker.publish([note('t', 5, false)])
    const [shown] = await broker.publish([note('t', 6, true)])
    await first.until(() => first.events().length === 3)
    expect(first.events().map((m) => m.id)).toEqual([mixed[0]?.id, mixed[2]?.id, shown?.id])
    expect(hidden).toBeDefined()
    expect(contexts[0]?.topics).toEqual(['t'])
    first.close()
    await until(() => broker.stats().subscribers === 0, 5_000, 'the first client to be forgotten')

    // A run of rejected events, then an accepted one; resume from before the run.
    const run = await broker.publish([note('t', 7, false), note('t', 8, false), note('t', 9, false)])
    const [after] = await broker.publish([note('t', 10, true)])
    const second = recordingClient(`${running.url}/?topic=t`, ['note'], { lastEventId: shown?.id })
    await second.until(() => second.events().length === 1)
    const [live] = await broker.publish([note('t', 11, false), note('t', 12, true)]).then((events) => events.slice(1))
    await second.until(() => second.events().length === 2)
    expect(second.received.map((m) => m.type)).toEqual(['connected', 'note', 'note']) // no reset
    expect(second.events().map((m) => m.id)).toEqual([after?.id, live?.id])
    expect(second.events().map((m) => m.id)).not.toContain(run[0]?.id)
    expect(broker.stats().delivered).toBe(5) // 3 to the first stream, 2 to the second: rejected events are not counted
    second.close()
  })

  it('SSE over several topics: the cursor resumes from before rejected events without a reset', async () => {
    const url = `${running.url}/?topic=a&topic=b`
    const first = recordingClient(url, ['note'])
    await first.until((r) => r.some((m) => m.type === 'connected'))
    const [a1] = await broker.publish([note('a', 1, true)])
    await broker.publish([note('b', 2, false), note('a', 3, false)])
    const [b4] = await broker.publish([note('b', 4, true)])
    await first.until(() => first.events().length === 2)
    expect(first.events().map((m) => JSON.parse(m.data).id)).toEqual([a1?.id, b4?.id])
    const resumeFrom = first.events()[0]?.id as string // the cursor after a1: before the rejected b2 and a3
    first.close()
    const second = recordingClient(url, ['note'], { lastEventId: resumeFrom })
    await second.until(() => second.events().length === 1)
    expect(second.received.map((m) => m.type)).toEqual(['connected', 'note'])
    expect(JSON.parse(second.events()[0]?.data as string).id).toBe(b4?.id)
    second.close()
  })

  it('subscribe: the same, with the topics and `after` as the context', async () => {
    const seen: AuthorizeContext[] = []
    const filter = (event: StoredEvent<'note', Events['note']>, context: AuthorizeContext) => {
      seen.push(context)
      return visibleOnly(event)
    }
    const subscription = broker.subscribe('t', { filter })
    await subscription.ready
    const published = await broker.publish([note('t', 1, true), note('t', 2, false), note('t', 3, true)])
    expect((await take(subscription, 2)).map((e) => e.id)).toEqual([published[0]?.id, published[2]?.id])
    const resumeFrom = subscription.lastEventId as string
    await subscription.return?.()
    expect(seen[0]).toMatchObject({ topics: ['t'], topic: 't', lastEventId: undefined })

    await broker.publish([note('t', 4, false), note('t', 5, false)])
    const [accepted] = await broker.publish([note('t', 6, true)])
    const resumed = broker.subscribe('t', { after: resumeFrom, filter })
    expect((await take(resumed, 1)).map((e) => e.id)).toEqual([accepted?.id]) // no CannotResumeError, no rejected event
    expect(seen.at(-1)).toMatchObject({ lastEventId: resumeFrom })
    await resumed.return?.()
  })

  it('a filter that throws leaves the event out and is reported; the stream goes on', async () => {
    const failure = new Error('filter bug')
    const subscription = broker.subscribe('t', {
      filter: (event) => {
        if (event.payload.n === 2) throw failure
        return true
      },
    })
    await subscription.ready
    const published = await broker.publish([note('t', 1, true), note('t', 2, true), note('t', 3, true)])
    expect((await take(subscription, 2)).map((e) => e.id)).toEqual([published[0]?.id, published[2]?.id])
    expect(errors).toContain(failure)
    await subscription.return?.()
  })
})

describe('BoundFilter', () => {
  const context: AuthorizeContext = { topics: ['t'], topic: 't', lastEventId: undefined }
  const record = (n: number) => ({
    id: `e.${n}`,
    topic: 't',
    type: 'note',
    data: JSON.stringify({ n }),
    createdAt: '2026-01-01T00:00:00.000Z',
  })
  const batch = new Batch('t', [1, 2, 3, 4].map(record))
  const odd = (event: StoredEvent) => (event.payload as { n: number }).n % 2 === 1

  it('passes a batch whose events all pass as it is, so its frames stay shared', () => {
    expect(
      new BoundFilter(
        () => true,
        context,
        () => {},
      ).apply(batch),
    ).toBe(batch)
  })

  it('gives streams whose filters keep the same events one subset, ending where the batch ends', () => {
    const one = new BoundFilter(odd, context, () => {}).apply(batch)
    const other = new BoundFilter(odd, context, () => {}).apply(batch)
    expect(one).toBe(other)
    expect(one.records.map((r) => r.id)).toEqual(['e.1', 'e.3'])
    expect(one.lastId).toBe('e.4')
    expect(
      new BoundFilter(
        () => false,
        context,
        () => {},
      ).apply(batch).size,
    ).toBe(0)
  })

  it('refuses a filter that is not a function with a TypeError', () => {
    expect(() => new BoundFilter('yes' as never, context, () => {})).toThrow(TypeError)
  })
})
