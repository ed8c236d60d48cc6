/**
 * A subscriber whose consumer is waiting for events when one poll brings more than its
 * `queueLimit` (possible whenever `batchSize` > `queueLimit`): it must start catching up from the
 * store at once, not sit idle until the topic's next event. Iterator and SSE consumers alike.
 */
import { expect, it } from 'vitest'
import { describePostgres, uniqueTopic } from '../helpers/postgres.js'
import { httpServer } from '../helpers/servers.js'
import { recordingClient } from '../helpers/sse-client.js'
import { pgBroker } from './helpers/broker.js'
import { collect } from './helpers/collect.js'

const QUEUE_LIMIT = 100
const COUNT = 300 // one publish, one poll (batchSize 500), three times the queue limit

describePostgres('broker: a batch larger than the queue reaches a waiting consumer', (database) => {
  it('is delivered in full to an iterator and to an SSE client without a further event', async () => {
    const { broker, errors } = await pgBroker(database, {}, { batchSize: 500, queueLimit: QUEUE_LIMIT, pollIntervalMs: 200 })
    const topic = uniqueTopic('overflow')
    const iterator = collect(broker, topic) // its loop waits in next() from now on
    await iterator.ready
    const server = await httpServer((req, res) => broker.handle(req, res, { topic }))
    database.defer(() => server.close())
    const client = recordingClient(server.url, ['n'])
    database.defer(() => client.close())
    await client.until((received) => received.some((m) => m.type === 'connected'))

    await broker.publish(Array.from({ length: COUNT }, (_, n) => ({ topic, type: 'n', payload: { n } })))
    // Several backstop polls fit in the wait: only a further event would otherwise restart delivery.
    await iterator.until((events) => events.length === COUNT, `${COUNT} events on the iterator`, 5_000)
    await client.until((received) => received.filter((m) => m.type === 'n').length === COUNT, 5_000)
    expect(iterator.payloads()).toEqual(Array.from({ length: COUNT }, (_, n) => ({ n })))
    expect(client.events().map((m) => JSON.parse(m.data).payload.n)).toEqual(Array.from({ length: COUNT }, (_, n) => n))
    expect(errors).toEqual([])
    await iterator.stop()
  })
})
