/**
 * The shared deadline clock (`src/deadline.ts`): a call that never settles fails between its
 * deadline and an eighth after it, never before; calls that settle are taken out (the others keep
 * their own deadlines) and the clock stops once none waits.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Deadline } from '../src/deadline.js'

const never = (): Promise<never> => new Promise(() => {})

describe('Deadline', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('fails a call that never settles between its deadline and an eighth after it, with what onTimeout returns', async () => {
    const deadline = new Deadline(800)
    const failure = new Error('no answer')
    let outcome: unknown
    void deadline.within(never(), () => failure).catch((error: unknown) => (outcome = error))
    await vi.advanceTimersByTimeAsync(799)
    expect(outcome, 'not before the deadline').toBeUndefined()
    await vi.advanceTimersByTimeAsync(101)
    expect(outcome).toBe(failure)
  })

  it('a call that settles keeps its value and leaves the others their own deadlines', async () => {
    const deadline = new Deadline(800)
    let settle: (value: string) => void = () => {}
    const outcomes: unknown[] = []
    void deadline.within(never(), () => 'first').catch((error: unknown) => outcomes.push(error))
    const middle = deadline.within(new Promise<string>((resolve) => (settle = resolve)), () => 'middle')
    await vi.advanceTimersByTimeAsync(400)
    void deadline.within(never(), () => 'last').catch((error: unknown) => outcomes.push(error))
    settle('answer')
    expect(await middle).toBe('answer')
    await vi.advanceTimersByTimeAsync(500)
    expect(outcomes).toEqual(['first'])
    await vi.advanceTimersByTimeAsync(500)
    expect(outcomes).toEqual(['first', 'last'])
    expect(vi.getTimerCount(), 'the clock stops once no call waits').toBe(0)
  })

  it('a rejection of the call itself passes through, and its late settling after a timeout is ignored', async () => {
    const deadline = new Deadline(100)
    const refused = new Error('refused')
    await expect(deadline.within(Promise.reject(refused), () => 'timeout')).rejects.toBe(refused)
    let fail: (error: Error) => void = () => {}
    const late = deadline.within(new Promise((_, reject) => (fail = reject)), () => 'timeout')
    const seen = late.catch((error: unknown) => error)
    await vi.advanceTimersByTimeAsync(200)
    fail(new Error('too late')) // not an unhandled rejection
    expect(await seen).toBe('timeout')
  })
})
