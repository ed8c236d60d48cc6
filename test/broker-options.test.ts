import { afterEach, describe, expect, it } from 'vitest'
import { type BrokerOptions, createBroker, memoryStore } from '../src/index.js'
import { take, until } from './helpers/wait.js'

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closers.splice(0)) await close()
})

describe('createBroker options', () => {
  it.each<[string, BrokerOptions, string]>([
    ['pollIntervalMs: 0', { pollIntervalMs: 0 }, 'pollIntervalMs must be a finite number of milliseconds above 0'],
    ['pollIntervalMs past what timers take', { pollIntervalMs: 2 ** 31 }, 'pollIntervalMs'],
    ['queueLimit: -1', { queueLimit: -1 }, 'queueLimit must be an integer of at least 1'],
    ['batchSize: 1.5', { batchSize: 1.5 }, 'batchSize must be an integer'],
    ['heartbeatMs: NaN', { heartbeatMs: Number.NaN }, 'heartbeatMs'],
    ['retryMs: -1', { retryMs: -1 }, 'retryMs'],
    ['maxPayloadBytes: 0', { maxPayloadBytes: 0 }, 'maxPayloadBytes'],
    ['maxTopicLength as a string', { maxTopicLength: '200' as unknown as number }, 'maxTopicLength'],
    ['maxTypeLength: Infinity', { maxTypeLength: Number.POSITIVE_INFINITY }, 'maxTypeLength'],
    ['maxTopicsPerStream: 0', { maxTopicsPerStream: 0 }, 'maxTopicsPerStream'],
    ['maxSubscribers: -1', { maxSubscribers: -1 }, 'maxSubscribers'],
    ['maxStreamMs: -5', { maxStreamMs: -5 }, 'maxStreamMs'],
    ['reauthorizeMs: Infinity', { reauthorizeMs: Number.POSITIVE_INFINITY }, 'reauthorizeMs'],
    ['onSlow misspelt', { onSlow: 'catchup' as 'catch-up' }, 'onSlow'],
    ['retention without maxAgeMs', { retention: {} as { maxAgeMs: number } }, 'retention.maxAgeMs'],
    ['retention.intervalMs: 0', { retention: { maxAgeMs: 1_000, intervalMs: 0 } }, 'retention.intervalMs'],
    ['onError not a function', { onError: 'log' as unknown as () => void }, 'onError'],
    ['wake without send', { wake: { open() {} } as unknown as BrokerOptions['wake'] }, 'wake must be a WakeBus'],
  ])('rejects %s with a TypeError naming the option', (_name, options, message) => {
    const store = memoryStore()
    expect(() => createBroker(store, options)).toThrow(TypeError)
    expect(() => createBroker(store, options)).toThrow(`createBroker: ${message}`)
  })

  it('takes the limits at their bounds and undefined as the default', async () => {
    const broker = createBroker(memoryStore(), {
      heartbeatMs: 0,
      retryMs: 0,
      pollIntervalMs: 1,
      queueLimit: 1,
      maxSubscribers: Number.POSITIVE_INFINITY,
      maxStreamMs: undefined,
      reauthorizeMs: 0,
      retention: { maxAgeMs: 60_000 },
    })
    closers.push(() => broker.close())
    const subscription = broker.subscribe('t')
    await subscription.ready
    await broker.publish({ topic: 't', type: 'n', payload: 1 })
    expect((await take(subscription, 1)).map((event) => event.payload)).toEqual([1])
  })

  it('an onError that throws is logged, and the broker carries on', async () => {
    const thrown: unknown[] = []
    const console = globalThis.console.error
    globalThis.console.error = (...args: unknown[]) => thrown.push(args[1])
    const failing = memoryStore()
    let fail = true
    const store = {
      ...failing,
      readAfter: (...args: Parameters<typeof failing.readAfter>) =>
        fail ? Promise.reject(new Error('down')) : failing.readAfter(...args),
    }
    const broker = createBroker(store, {
      pollIntervalMs: 20,
      onError: () => {
        throw new Error('the reporter broke')
      },
    })
    closers.push(async () => {
      globalThis.console.error = console
      await broker.close()
    })
    const subscription = broker.subscribe('t')
    await subscription.ready
    await broker.publish({ topic: 't', type: 'n', payload: 1 })
    const events = take(subscription, 1)
    await until(() => thrown.length > 0, 5_000, 'the throwing onError to be logged')
    expect(thrown).toContainEqual(new Error('the reporter broke'))
    fail = false
    expect((await events).map((event) => event.payload)).toEqual([1])
  })
})
