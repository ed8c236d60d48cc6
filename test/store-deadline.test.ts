/**
 * The broker's own bound on store calls (`storeTimeoutMs`), for stores without deadlines of their
 * own: a store call that never answers costs that long, never more. A publish rejects with
 * `PublishFailedError` (its cause a `StoreTimeoutError` naming the method) and the publishes after
 * it are not held behind it; a poll that never answers is reported and retried, and delivery goes
 * on, exactly once and in order, once the store answers again; a stream start that hangs answers
 * "retry later" instead of hanging the request.
 */
import { describe, expect, it } from 'vitest'
import { createBroker, type EventStore, memoryStore, PublishFailedError, StoreTimeoutError } from '../src/index.js'
import { httpServer } from './helpers/servers.js'
import { take, until } from './helpers/wait.js'

/** A promise that never settles: a call on a connection a partition silenced. */
const never = (): Promise<never> => new Promise(() => {})

/** `store` whose `method` never answers while `hanging()` says so. */
function hangingWhile<K extends 'append' | 'readAfter' | 'heads'>(
  store: EventStore,
  method: K,
  hanging: () => boolean,
): EventStore {
  const real = store[method].bind(store) as (...args: unknown[]) => Promise<unknown>
  return { ...store, [method]: (...args: unknown[]) => (hanging() ? never() : real(...args)) }
}

describe('storeTimeoutMs: no store call waits forever', () => {
  it('a publish whose append never answers rejects after storeTimeoutMs; the next publish is not held behind it', async () => {
    let hang = true
    const broker = createBroker(
      hangingWhile(memoryStore(), 'append', () => hang),
      { storeTimeoutMs: 200 },
    )
    const started = performance.now()
    const failure = await broker.publish({ topic: 't', type: 'x', payload: 1 }).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(PublishFailedError)
    expect((failure as PublishFailedError).mayHaveCommitted, 'a store call without answer may have run').toBe(true)
    expect((failure as PublishFailedError).cause).toBeInstanceOf(StoreTimeoutError)
    expect(((failure as PublishFailedError).cause as StoreTimeoutError).operation).toBe('append')
    expect(performance.now() - started).toBeGreaterThanOrEqual(190)
    hang = false
    await expect(broker.publish({ topic: 't', type: 'x', payload: 2 })).resolves.toMatchObject({ payload: 2 })
    await broker.close()
  })

  it('a poll that never answers is reported and retried; every event published meanwhile arrives once, in order', async () => {
    let hang = false
    const errors: unknown[] = []
    const store = memoryStore()
    const broker = createBroker(
      hangingWhile(store, 'readAfter', () => hang),
      {
        storeTimeoutMs: 200,
        pollIntervalMs: 50,
        onError: (error) => errors.push(error),
      },
    )
    const subscription = broker.subscribe('t')
    await subscription.ready
    await broker.publish({ topic: 't', type: 'x', payload: 0 })
    expect((await take(subscription, 1)).map((e) => e.payload)).toEqual([0])
    hang = true
    for (let n = 1; n <= 5; n++) await broker.publish({ topic: 't', type: 'x', payload: n })
    await until(() => errors.some((error) => error instanceof StoreTimeoutError), 5_000, 'the missed deadline reported')
    expect((errors.find((error) => error instanceof StoreTimeoutError) as StoreTimeoutError).operation).toBe('readAfter')
    hang = false
    expect((await take(subscription, 5)).map((e) => e.payload)).toEqual([1, 2, 3, 4, 5])
    await broker.publish({ topic: 't', type: 'x', payload: 6 })
    expect((await take(subscription, 1)).map((e) => e.payload)).toEqual([6])
    await subscription.return?.()
    await broker.close()
  })

  it('a stream whose start never gets the heads answers "retry later" (200, retry:, end) after storeTimeoutMs', async () => {
    let hang = true
    const broker = createBroker(
      hangingWhile(memoryStore(), 'heads', () => hang),
      { storeTimeoutMs: 200, onError: () => {} },
    )
    const server = await httpServer((req, res) => void broker.handle(req, res, { topic: 't' }))
    const response = await fetch(`${server.url}/`)
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('retry: 2000\n\n')
    hang = false
    await broker.close()
    await server.close()
  })
})
