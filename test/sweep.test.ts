/** The sweep: every tailed topic read in slices, fast (a slice per poll) or slow (a slice per backstop tick). */
import { describe, expect, it } from 'vitest'
import { SWEEP_SLICE, Sweep } from '../src/sweep.js'

const topicsOf = (count: number) => Array.from({ length: count }, (_, i) => `t${i}`)

describe('Sweep', () => {
  it('reads a full pass in slices, one per poll, then stops', () => {
    const sweep = new Sweep(() => topicsOf(SWEEP_SLICE * 2 + 5))
    expect(sweep.due).toBe(false)
    sweep.full()
    const slices: string[][] = []
    while (sweep.due) slices.push(sweep.next())
    expect(slices.map((slice) => slice.length)).toEqual([SWEEP_SLICE, SWEEP_SLICE, 5])
    expect(slices.flat()).toEqual(topicsOf(SWEEP_SLICE * 2 + 5))
    expect(sweep.next()).toEqual([])
  })

  it('reads a slow pass one slice per step, and starts the next pass when one is done', () => {
    const sweep = new Sweep(() => topicsOf(SWEEP_SLICE + 1))
    sweep.step()
    expect(sweep.next()).toHaveLength(SWEEP_SLICE)
    expect(sweep.due).toBe(false)
    sweep.step()
    expect(sweep.next()).toEqual([`t${SWEEP_SLICE}`])
    sweep.step()
    expect(sweep.next()[0]).toBe('t0')
  })

  it('finishes a running pass fast and follows it with a whole new one when asked for everything meanwhile', () => {
    let topics = topicsOf(SWEEP_SLICE * 2)
    const sweep = new Sweep(() => topics)
    sweep.step()
    sweep.next()
    topics = topicsOf(SWEEP_SLICE * 2 + 1)
    sweep.full()
    const rest: string[][] = []
    while (sweep.due) rest.push(sweep.next())
    // The rest of the running pass, then every topic again (the ones read before the request included).
    expect(rest.map((slice) => slice.length)).toEqual([SWEEP_SLICE, SWEEP_SLICE, SWEEP_SLICE, 1])
    expect(rest.slice(1).flat()).toEqual(topics)
  })
})
