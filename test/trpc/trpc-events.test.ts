/** `trpcEvents()` in-process, over a real broker: what it yields and how each way of ending reaches tRPC. */
import { TRPCError, type TrackedEnvelope } from '@trpc/server'
import { afterEach, describe, expect, it } from 'vitest'
import { type Broker, BrokerClosedError, CannotResumeError, createBroker, memoryStore } from '../../src/index.js'
import { trpcEvents } from '../../src/trpc/index.js'
import { until } from '../helpers/wait.js'
import type { TestEvents } from './fixtures/router.js'

let broker: Broker<TestEvents>
afterEach(() => broker.close())

/** The next value of a generator `trpcEvents()` resolved with, as `[id, event]`. */
async function nextTracked<Event>(generator: AsyncGenerator<TrackedEnvelope<Event>, void>): Promise<[string, Event]> {
  const { done, value } = await generator.next()
  if (done) throw new Error('the generator ended')
  return [value[0], value[1]]
}

const make = (options: Parameters<typeof createBroker>[1] = {}) => {
  broker = createBroker<TestEvents>(memoryStore(), { pollIntervalMs: 60_000, ...options })
  return broker
}

describe('trpcEvents()', () => {
  it('resolves once registered, then yields tracked(id, event): the event id on one topic, a resumable cursor on several', async () => {
    make()
    const one = await trpcEvents(broker, 'a')
    const two = await trpcEvents(broker, ['a', 'b'])
    expect(broker.stats().subscribers).toBe(2) // registered before tRPC would send `connected`
    const [a, b] = await broker.publish([
      { topic: 'a', type: 'n', payload: { n: 1 } },
      { topic: 'b', type: 'n', payload: { n: 2 } },
    ])
    expect(await nextTracked(one)).toEqual([a?.id, a])
    const [cursor, first] = await nextTracked(two)
    expect([first, (await nextTracked(two))[1]]).toEqual([a, b])
    expect(cursor).not.toBe(a?.id)
    const resumed = await trpcEvents(broker, ['a', 'b'], { lastEventId: cursor })
    expect((await nextTracked(resumed))[1]).toEqual(b) // the cursor resumes right after `a`, in both topics
    for (const generator of [one, two, resumed]) await generator.return()
  })

  it('fails with a non-retryable PRECONDITION_FAILED for a position it cannot resume from, BAD_REQUEST for a malformed one', async () => {
    make()
    const [event] = await broker.publish([{ topic: 'a', type: 'n', payload: { n: 1 } }])
    const ahead = `${event?.id.split('.')[0]}.99`
    const refused = await trpcEvents(broker, 'a', { lastEventId: ahead }).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(TRPCError)
    expect(refused).toMatchObject({ code: 'PRECONDITION_FAILED', message: expect.stringMatching(/cannot resume .*: ahead/) })
    expect((refused as TRPCError).cause).toBeInstanceOf(CannotResumeError)
    await expect(trpcEvents(broker, 'a', { lastEventId: 'not an id' })).rejects.toMatchObject({ code: 'BAD_REQUEST' })
    await expect(trpcEvents(broker, 'bad\ntopic')).rejects.toMatchObject({ code: 'BAD_REQUEST' })
    expect(broker.stats().subscribers).toBe(0)
  })

  it('fails with a retryable SERVICE_UNAVAILABLE when the broker closes, or is closed already', async () => {
    make()
    const open = await trpcEvents(broker, 'a')
    const pending = open.next()
    await broker.close()
    const closing = await pending.catch((error: unknown) => error)
    expect(closing).toMatchObject({ code: 'SERVICE_UNAVAILABLE' })
    expect((closing as TRPCError).cause).toBeInstanceOf(BrokerClosedError)
    await expect(trpcEvents(broker, 'a')).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' })
  })

  it('fails with SERVICE_UNAVAILABLE, not "complete", when the broker ends the stream early (onSlow: disconnect)', async () => {
    make({ queueLimit: 2, onSlow: 'disconnect' })
    const slow = await trpcEvents(broker, 'a', { signal: new AbortController().signal })
    await broker.publish([1, 2, 3].map((n) => ({ topic: 'a', type: 'n' as const, payload: { n } })))
    await until(() => broker.stats().subscribers === 0, 5_000, 'the slow subscription disconnected')
    await expect(slow.next()).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' })
  })

  it('returns (tRPC sends "complete" to nobody) when the client went away: its signal aborted', async () => {
    make()
    const controller = new AbortController()
    const generator = await trpcEvents(broker, 'a', { signal: controller.signal })
    const pending = generator.next()
    controller.abort()
    expect(await pending).toEqual({ done: true, value: undefined })
    expect(broker.stats().subscribers).toBe(0)
  })
})
