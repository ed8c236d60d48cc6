/**
 * NOTIFY wake-ups and the dedicated LISTEN connection against the real server: wake at commit
 * (never before), `notify: false`, reconnect with catch-up after the backend is killed, heartbeat
 * on a frozen connection, never giving up, and pool errors that must not crash the process.
 */
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { expect, it } from 'vitest'
import { type PostgresStore, postgresStore } from '../../adapters/postgres/index.js'
import type { EventDraft } from '../../src/event.js'
import { parseEventId } from '../../src/event-id.js'
import { backendPid, describePostgres, uniqueTopic } from '../helpers/postgres.js'
import { startTcpProxy } from '../helpers/tcp-proxy.js'
import { until } from '../helpers/wait.js'

const draft = (topic: string): EventDraft => ({ topic, type: 'tick', data: '{}' })

interface Wake {
  topic: string | undefined
  status: string
}

/** Records a store's wake-ups; `next` resolves on the first one after the call that matches (call it before acting). */
function recordWakes(store: PostgresStore) {
  const wakes: Wake[] = []
  const waiting = new Set<{ match: (wake: Wake) => boolean; resolve: (wake: Wake) => void }>()
  const off = store.onWake?.((topic) => {
    const wake = { topic, status: store.listenerStatus() }
    wakes.push(wake)
    for (const waiter of waiting) {
      if (waiter.match(wake)) {
        waiting.delete(waiter)
        waiter.resolve(wake)
      }
    }
  })
  if (off === undefined) throw new Error('the store has no onWake')
  const next = (match: (wake: Wake) => boolean, what: string, timeoutMs = 10_000): Promise<Wake> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no wake-up: ${what}`)), timeoutMs)
      waiting.add({
        match,
        resolve: (wake) => {
          clearTimeout(timer)
          resolve(wake)
        },
      })
    })
  return { wakes, next, off, topics: () => wakes.map((w) => w.topic) }
}

/** Collects the errors a store reports. */
function errorLog() {
  const errors: Array<{ error: unknown; source: string }> = []
  return {
    errors,
    onError: (error: unknown, source: string) => void errors.push({ error, source }),
    /** Resolves once at least `count` errors were reported in all. */
    reported: (count = 1) => until(() => errors.length >= count, 10_000, `${count} reported errors`),
  }
}

describePostgres('postgres listener', (database) => {
  it('wakes with the topic when another process commits, and never before the commit', async () => {
    const store = await database.store({})
    const publisher = await database.store({ notify: true })
    const wakes = recordWakes(store)
    await wakes.next((w) => w.status === 'listening', 'the first catch-up')

    const [hidden, marker, plain] = [uniqueTopic('in-trx'), uniqueTopic('marker'), uniqueTopic('plain')]
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: database.newPool() }) })
    const trx = await db.startTransaction().execute()
    await publisher.append([draft(hidden)], { transaction: trx })
    // Notifications arrive in commit order: once the later marker is here, an uncommitted one would have been too.
    const markerSeen = wakes.next((w) => w.topic === marker, 'the marker')
    await publisher.append([draft(marker)])
    await markerSeen
    expect(wakes.topics()).not.toContain(hidden)
    const hiddenSeen = wakes.next((w) => w.topic === hidden, 'the committed transaction')
    await trx.commit().execute()
    await hiddenSeen

    const plainSeen = wakes.next((w) => w.topic === plain, 'a two-topic batch')
    await publisher.append([draft(plain), draft(plain), draft(marker)])
    await plainSeen
    wakes.off()
    await db.destroy()
  })

  it('with notify: false there is no wake-up and no NOTIFY', async () => {
    const silent = await database.store({ notify: false })
    expect(silent.onWake).toBeUndefined()
    expect(silent.listenerStatus()).toBe('off')
    const store = await database.store({}) // same tables and channel
    const wakes = recordWakes(store)
    await wakes.next((w) => w.status === 'listening', 'the first catch-up')
    const [quiet, marker] = [uniqueTopic('quiet'), uniqueTopic('marker')]
    const markerSeen = wakes.next((w) => w.topic === marker, 'the marker')
    await silent.append([draft(quiet)])
    await store.append([draft(marker)])
    await markerSeen
    expect(wakes.topics()).not.toContain(quiet)
    wakes.off()
  })

  it('after its backend is killed it reconnects, catches up and misses nothing', async () => {
    const name = `dsse-listener-${database.schema}`.slice(0, 60)
    const log = errorLog()
    const store = await database.store({
      listen: { connectionString: database.url, application_name: name },
      fallbackPollMs: 20,
      reconnectMinMs: 400,
      onError: log.onError,
    })
    const publisher = await database.store({ notify: true })
    const wakes = recordWakes(store)
    await wakes.next((w) => w.status === 'listening', 'the first catch-up')
    const pid = await backendPid(database, name)

    const fallback = wakes.next((w) => w.status === 'down', 'a faster fallback wake-up while down')
    const catchUp = wakes.next((w) => w.status === 'listening', 'the catch-up after reconnecting')
    await database.query('SELECT pg_terminate_backend($1)', [pid])
    await log.reported()
    expect(log.errors[0]?.source).toBe('listener')
    expect(store.listenerStatus()).toBe('down')
    const missed = uniqueTopic('missed')
    const [event] = await publisher.append([draft(missed)]) // committed while nobody listens

    await fallback
    expect((await catchUp).topic).toBeUndefined()
    expect(wakes.topics()).not.toContain(missed) // its NOTIFY was lost; the catch-up poll finds it
    const epoch = parseEventId(event?.id ?? '')?.epoch
    expect((await store.readAfter([{ topic: missed, after: `${epoch}.0` }], 10)).get(missed)).toEqual([event])

    expect(await backendPid(database, name, pid)).not.toBe(pid)
    const after = uniqueTopic('after')
    const afterSeen = wakes.next((w) => w.topic === after, 'a notification on the new connection')
    await publisher.append([draft(after)])
    await afterSeen
    wakes.off()
  })

  it('a heartbeat with no answer replaces a frozen connection', async () => {
    const proxy = await startTcpProxy()
    database.defer(() => proxy.close())
    /** Silences the connections open now, for good; later ones get through. */
    const freeze = () => {
      proxy.blackhole()
      proxy.heal()
    }
    const log = errorLog()
    const store = await database.store({
      listen: proxy.url(database.url),
      listenerHeartbeatMs: 150,
      reconnectMinMs: 10,
      onError: log.onError,
    })
    const wakes = recordWakes(store)
    await wakes.next((w) => w.status === 'listening', 'the first catch-up')
    const catchUp = wakes.next((w) => w.status === 'listening', 'the catch-up on a new connection')
    freeze() // no FIN, no RST: only the heartbeat can tell
    await log.reported()
    expect(String(log.errors[0]?.error)).toMatch(/heartbeat/)
    await catchUp
    const topic = uniqueTopic()
    const publisher = await database.store({})
    const seen = wakes.next((w) => w.topic === topic, 'a notification after the reconnect')
    await publisher.append([draft(topic)])
    await seen
    freeze()
    await store.close() // completes although the frozen connection never answers end()
    expect(store.listenerStatus()).toBe('off')
  })

  it('never gives up on an unreachable server, waking for fallback polls meanwhile', async () => {
    const log = errorLog()
    const store = await database.store({
      listen: { host: '127.0.0.1', port: 1, user: 'nobody' },
      fallbackPollMs: 10,
      reconnectMinMs: 5,
      reconnectMaxMs: 20,
      onError: log.onError,
    })
    const wakes = recordWakes(store)
    await log.reported(5) // five failed attempts in a row, still trying
    await wakes.next((w) => w.status === 'down' && w.topic === undefined, 'a fallback wake-up')
    expect(log.errors.every((e) => e.source === 'listener')).toBe(true)
    await store.close()
    const [wakeCount, errorCount] = [wakes.wakes.length, log.errors.length]
    await new Promise((resolve) => setTimeout(resolve, 100)) // nothing to await: checking that nothing happens
    expect([wakes.wakes.length, log.errors.length]).toEqual([wakeCount, errorCount])
    expect(store.listenerStatus()).toBe('off')
  })

  it('holds a LISTEN connection only while someone listens', async () => {
    const name = `dsse-onoff-${database.schema}`.slice(0, 60)
    const store = await database.store({ listen: { connectionString: database.url, application_name: name } })
    const backends = async () =>
      (await database.query('SELECT 1 FROM pg_stat_activity WHERE application_name = $1', [name])).length
    expect(store.listenerStatus()).toBe('off')
    const first = recordWakes(store)
    const second = recordWakes(store)
    await first.next((w) => w.status === 'listening', 'listening')
    expect(await backends()).toBe(1) // one connection, however many listeners
    first.off()
    first.off() // twice is harmless
    expect(store.listenerStatus()).toBe('listening')
    second.off()
    expect(store.listenerStatus()).toBe('off')
    await until(async () => (await backends()) === 0, 10_000, 'the LISTEN connection to close')
    const third = recordWakes(store)
    await third.next((w) => w.status === 'listening', 'listening again')
    await store.close()
    expect(store.listenerStatus()).toBe('off')
    await until(async () => (await backends()) === 0, 10_000, 'close() to end the LISTEN connection')
  })

  it("an idle pooled connection's failure is reported, never a crash, and the store carries on", async () => {
    const name = `dsse-pool-${database.schema}`.slice(0, 60)
    const log = errorLog()
    const store = await database.store({ notify: false, poolConfig: { application_name: name }, onError: log.onError })
    const topic = uniqueTopic()
    await store.append([draft(topic)])
    await database.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [name])
    await log.reported()
    expect(log.errors[0]?.source).toBe('pool')
    const [second] = await store.append([draft(topic)])
    expect(parseEventId(second?.id ?? '')?.seq).toBe(2)
  })

  it("guards a caller's pool that has no error handler, and leaves one that has alone", async () => {
    const bare = new pg.Pool({ connectionString: database.url, application_name: `dsse-bare-${database.schema}`.slice(0, 60) })
    database.defer(() => bare.end())
    const log = errorLog()
    const store = postgresStore({ pool: bare, schema: database.schema, notify: false, onError: log.onError })
    expect(bare.listenerCount('error')).toBe(1)
    await store.heads(['x'])
    await database.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [
      bare.options.application_name,
    ])
    await log.reported()
    expect(log.errors[0]?.source).toBe('pool')
    await store.close()
    expect(bare.listenerCount('error')).toBe(0)

    const handled = database.newPool()
    const before = handled.listenerCount('error')
    const other = postgresStore({ pool: handled, schema: database.schema, notify: false })
    expect(handled.listenerCount('error')).toBe(before)
    await other.close()
  })
})
