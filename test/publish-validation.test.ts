import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  type Broker,
  createBroker,
  DurableSseError,
  type EventStore,
  InvalidEventError,
  PayloadTooLargeError,
} from '../src/index.js'
import { storeKinds, type TestStore } from './helpers/stores.js'

const good = { topic: 't', type: 'ok', payload: { a: 1 } }
const circular: Record<string, unknown> = {}
circular.self = circular

const badEvents: Record<string, unknown> = {
  'topic with LF': { ...good, topic: 'a\nb' },
  'topic with CR': { ...good, topic: 'a\rb' },
  'topic with NUL': { ...good, topic: 'a\0b' },
  'empty topic': { ...good, topic: '' },
  'over-long topic': { ...good, topic: 'x'.repeat(201) },
  'non-string topic': { ...good, topic: 42 },
  'type with LF': { ...good, type: 'a\nb' },
  'type with CR': { ...good, type: 'a\rb' },
  'type with NUL': { ...good, type: 'a\0b' },
  'empty type': { ...good, type: '' },
  'over-long type': { ...good, type: 'x'.repeat(101) },
  'type with a lone surrogate': { ...good, type: 'a\ud800' },
  'reserved type error': { ...good, type: 'error' },
  'reserved type open': { ...good, type: 'open' },
  'reserved type connected': { ...good, type: 'connected' },
  'reserved type reset': { ...good, type: 'reset' },
  'circular payload': { ...good, payload: circular },
  'BigInt payload': { ...good, payload: { n: 10n } },
  'undefined payload': { ...good, payload: undefined },
  'function payload': { ...good, payload: () => 1 },
  'not an object': 'event',
}

describe.each(storeKinds)('publish validation on $name store', (kind) => {
  let made: TestStore
  let store: EventStore
  let broker: Broker

  beforeEach(async () => {
    made = await kind.make()
    store = made.store
    broker = createBroker(store)
  })
  afterEach(async () => {
    await broker.close()
    await made.dispose()
  })

  it.each(Object.entries(badEvents))('rejects %s with InvalidEventError and writes nothing of the call', async (_name, bad) => {
    const attempt = broker.publish([good, bad as typeof good, { ...good, payload: { a: 2 } }])
    await expect(attempt).rejects.toBeInstanceOf(InvalidEventError)
    await expect(attempt).rejects.toMatchObject({ code: 'INVALID_EVENT' })
    expect((await store.readAfter([{ topic: 't', after: (await store.heads(['t'])).get('t') as string }], 10)).size).toBe(0)
    expect((await store.heads(['t'])).get('t')).toMatch(/\.0$/)
  })

  it('rejects a payload over maxPayloadBytes with PayloadTooLargeError, before writing', async () => {
    const small = createBroker(store, { maxPayloadBytes: 100 })
    const attempt = small.publish({ ...good, payload: { text: 'é'.repeat(60) } })
    await expect(attempt).rejects.toBeInstanceOf(PayloadTooLargeError)
    await expect(attempt).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE', limit: 100, bytes: 131 })
    await expect(attempt).rejects.toBeInstanceOf(DurableSseError)
    expect((await store.heads(['t'])).get('t')).toMatch(/\.0$/)
    await small.close()
  })

  it('accepts a payload of exactly maxPayloadBytes', async () => {
    const small = createBroker(store, { maxPayloadBytes: 10 })
    await expect(small.publish({ ...good, payload: 'x'.repeat(8) })).resolves.toMatchObject({ payload: 'xxxxxxxx' })
    await small.close()
  })
})
