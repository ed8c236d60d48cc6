/**
 * Cross-process latency: this process publishes, a subscriber process streams the topic over SSE
 * and stamps each arrival with the machine-wide monotonic clock. With NOTIFY every event arrives
 * far below the backstop poll interval; with `notify: false` polling alone still delivers each
 * one within the interval.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { expect, it } from 'vitest'
import { describePostgres, uniqueTopic } from '../helpers/postgres.js'
import { pgBroker } from './helpers/broker.js'
import { startFixture, stopFixture } from './helpers/child.js'
import { elapsedMs, summary } from './helpers/latency.js'

const now = () => process.hrtime.bigint().toString()

describePostgres('broker: cross-process latency', (database) => {
  const subscriber = (topic: string, storeOptions: object, pollIntervalMs: number) => {
    const fixture = startFixture('subscriber', {
      DATABASE_URL: database.url,
      SCHEMA: database.schema,
      TOPICS: topic,
      MODE: 'sse',
      TYPES: 'tick',
      STORE_OPTIONS: JSON.stringify(storeOptions),
      BROKER_OPTIONS: JSON.stringify({ pollIntervalMs }),
      WAIT_LISTENING: (storeOptions as { notify?: boolean }).notify === false ? '0' : '1',
    })
    database.defer(() => stopFixture(fixture))
    return fixture
  }
  const arrivalOf = (fixture: ReturnType<typeof subscriber>, n: number) =>
    fixture.message((m) => m.kind === 'event' && (m.payload as { n: number }).n === n, `event ${n}`, 10_000)

  it('with NOTIFY, each of 200 events arrives in under pollIntervalMs / 4', async () => {
    const pollIntervalMs = 2_000
    const { broker } = await pgBroker(database)
    const topic = uniqueTopic('notify')
    const fixture = subscriber(topic, {}, pollIntervalMs)
    await fixture.message((m) => m.kind === 'ready', 'ready')
    await broker.publish({ topic, type: 'tick', payload: { n: -1, sentAt: now() } }) // warm-up
    await arrivalOf(fixture, -1)

    const latencies: number[] = []
    for (let n = 0; n < 200; n++) {
      const sentAt = now()
      await broker.publish({ topic, type: 'tick', payload: { n, sentAt } })
      const arrival = await arrivalOf(fixture, n)
      latencies.push(elapsedMs(sentAt, arrival.at as string))
      if ((latencies.at(-1) as number) >= pollIntervalMs / 4) break // fails below, without waiting for 200 backstops
    }
    console.info(`[latency] NOTIFY, pollIntervalMs ${pollIntervalMs}: ${summary(latencies)}`)
    expect(latencies.filter((ms) => ms >= pollIntervalMs / 4)).toEqual([])
    fixture.send({ kind: 'stop' })
    expect((await fixture.exited).code).toBe(0)
  }, 60_000)

  it('with notify: false, every event still arrives within pollIntervalMs (plus slack)', async () => {
    const pollIntervalMs = 300
    const slackMs = 200
    const { broker } = await pgBroker(database, { notify: false })
    const topic = uniqueTopic('polling')
    const fixture = subscriber(topic, { notify: false }, pollIntervalMs)
    await fixture.message((m) => m.kind === 'ready', 'ready')

    const sent: string[] = []
    for (let n = 0; n < 60; n++) {
      await sleep(Math.random() * 100) // pacing, not synchronisation: publishes land at every phase of the poll
      sent[n] = now()
      await broker.publish({ topic, type: 'tick', payload: { n, sentAt: sent[n] } })
    }
    const arrivals = await Promise.all(sent.map((_, n) => arrivalOf(fixture, n)))
    const latencies = arrivals.map((arrival, n) => elapsedMs(sent[n] as string, arrival.at as string))
    console.info(`[latency] polling only, pollIntervalMs ${pollIntervalMs}: ${summary(latencies)}`)
    expect(latencies.filter((ms) => ms >= pollIntervalMs + slackMs)).toEqual([])
    // Polling, not a wake-up, delivered them: some waited for a good part of the interval.
    expect(Math.max(...latencies)).toBeGreaterThan(pollIntervalMs / 4)
    fixture.send({ kind: 'stop' })
    expect((await fixture.exited).code).toBe(0)
  }, 60_000)
})
