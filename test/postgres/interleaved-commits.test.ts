/**
 * DESIGN invariant 2 through the broker: while T1 holds topic P and T2 queues behind it, T3's
 * event on Q is delivered at once; P's events are delivered only once T1 and T2 commit, in commit
 * order, to an in-process iterator and to an SSE client alike.
 */
import { Kysely, PostgresDialect } from 'kysely'
import { expect, it } from 'vitest'
import { backendOf, describePostgres, seqOf, uniqueTopic, waitingForLock } from '../helpers/postgres.js'
import { httpServer } from '../helpers/servers.js'
import { recordingClient } from '../helpers/sse-client.js'
import { pgBroker } from './helpers/broker.js'
import { collect } from './helpers/collect.js'
import { heldTransaction } from './helpers/transaction.js'

describePostgres('broker: interleaved commits', (database) => {
  it('Q arrives while T1 and T2 are open; P arrives after their commits, in commit order', async () => {
    // A long backstop: only wake-ups (this process's publishes, NOTIFY) deliver within the test.
    const { broker, errors } = await pgBroker(database, {}, { pollIntervalMs: 60_000 })
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: database.newPool({ max: 3 }) }) })
    database.defer(() => db.destroy())
    const [p, q] = [uniqueTopic('P'), uniqueTopic('Q')]
    const server = await httpServer((req, res) => broker.handle(req, res, { topic: decodeURIComponent(req.url?.slice(1) ?? '') }))
    database.defer(() => server.close())

    const pIterator = collect(broker, p)
    const qIterator = collect(broker, q)
    const pClient = recordingClient(`${server.url}/${encodeURIComponent(p)}`, ['step'])
    const qClient = recordingClient(`${server.url}/${encodeURIComponent(q)}`, ['step'])
    database.defer(() => {
      pClient.close()
      qClient.close()
    })
    await Promise.all([pIterator.ready, qIterator.ready])
    await Promise.all([pClient, qClient].map((c) => c.until((r) => r.some((m) => m.type === 'connected'))))
    const step = (topic: string, name: string) => ({ topic, type: 'step', payload: { name } })

    const t1 = await heldTransaction(database, db)
    const [p1] = await broker.publish([step(p, 'P1')], { transaction: t1 }) // holds P's head row until T1 ends

    const t2 = await heldTransaction(database, db)
    const t2Backend = await backendOf(t2)
    let t2Published = false
    const t2Publish = broker.publish([step(p, 'P2')], { transaction: t2 }).then((records) => {
      t2Published = true
      return records
    })
    await waitingForLock(database, t2Backend) // pg_stat_activity: wait_event_type = 'Lock'

    const t3 = await heldTransaction(database, db)
    await broker.publish([step(q, 'Q1')], { transaction: t3 })
    await t3.commit().execute()
    // "At once": a plain publish to Q right after, on the same single poll path, also arrives.
    await broker.publish(step(q, 'Q2'))
    await qIterator.until((events) => events.length === 2, 'Q1 and Q2 while T1 and T2 are open', 5_000)
    await qClient.until((r) => r.filter((m) => m.type === 'step').length === 2, 5_000)
    // Each poll reads P and Q in one round trip: the polls that delivered Q saw nothing of P.
    expect(pIterator.events).toEqual([])
    expect(pClient.events()).toEqual([])
    expect(t2Published).toBe(false)

    await t1.commit().execute()
    const [p2] = await t2Publish // T2 draws its position only after T1's commit
    expect([seqOf(p1?.id), seqOf(p2?.id)]).toEqual([1, 2])
    await pIterator.until((events) => events.length === 1, 'P1 after T1 commits', 5_000)
    await pClient.until((r) => r.filter((m) => m.type === 'step').length === 1, 5_000)
    // T2 is still open: a marker on Q, published and delivered after P1, proves P2 was not readable.
    await broker.publish(step(q, 'Q3'))
    await qIterator.until((events) => events.length === 3, 'Q3', 5_000)
    expect(pIterator.payloads()).toEqual([{ name: 'P1' }])

    await t2.commit().execute()
    await pIterator.until((events) => events.length === 2, 'P2 after T2 commits', 5_000)
    await pClient.until((r) => r.filter((m) => m.type === 'step').length === 2, 5_000)

    expect(pIterator.events.map((e) => [e.id, (e.payload as { name: string }).name])).toEqual([
      [p1?.id, 'P1'],
      [p2?.id, 'P2'],
    ])
    expect(pClient.events().map((m) => [m.id, JSON.parse(m.data).payload.name])).toEqual([
      [p1?.id, 'P1'],
      [p2?.id, 'P2'],
    ])
    expect(qIterator.payloads()).toEqual([{ name: 'Q1' }, { name: 'Q2' }, { name: 'Q3' }])
    expect(qClient.events().map((m) => JSON.parse(m.data).payload.name)).toEqual(['Q1', 'Q2', 'Q3'])
    expect(errors).toEqual([])
    await Promise.all([pIterator.stop(), qIterator.stop()])
  })

  it('a transaction that rolls back while another waits for its topic: only the waiter is delivered', async () => {
    const { broker, errors } = await pgBroker(database, {}, { pollIntervalMs: 60_000 })
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: database.newPool({ max: 3 }) }) })
    database.defer(() => db.destroy())
    const [p, marker] = [uniqueTopic('P'), uniqueTopic('marker')]
    const pIterator = collect(broker, p)
    const markers = collect(broker, marker)
    await Promise.all([pIterator.ready, markers.ready])

    const t1 = await heldTransaction(database, db)
    await broker.publish({ topic: p, type: 'step', payload: { name: 'ghost' } }, { transaction: t1 })
    const t2 = await heldTransaction(database, db)
    const t2Backend = await backendOf(t2)
    const t2Publish = broker.publish({ topic: p, type: 'step', payload: { name: 'kept' } }, { transaction: t2 })
    await waitingForLock(database, t2Backend)
    await t1.rollback().execute()
    const kept = await t2Publish
    expect(seqOf(kept.id)).toBe(1) // the ghost's position was given back
    await t2.commit().execute()
    await pIterator.until((events) => events.length === 1, 'the kept event')
    await broker.publish({ topic: marker, type: 'step', payload: {} })
    await markers.until((events) => events.length === 1, 'the marker')
    expect(pIterator.events.map((e) => [e.id, e.payload])).toEqual([[kept.id, { name: 'kept' }]])
    expect(errors).toEqual([])
    await Promise.all([pIterator.stop(), markers.stop()])
  })
})
