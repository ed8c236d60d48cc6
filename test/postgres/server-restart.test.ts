/**
 * Issue 10, fault 1: the server goes away under load. Two publisher processes at 200 events/s
 * each and one subscriber process, all on the store's own pool (`connectionString`). First through
 * a TCP proxy that cuts every connection (57P01 and FIN, or a reset) and refuses new ones for a
 * few seconds, as a restart does (the shared server is never restarted); then by
 * `pg_terminate_backend` on every backend of those stores. No process exits; every acknowledged
 * event is delivered once, in order, with the id its publisher was given; an event whose publish
 * rejected may have committed (the answer was lost), and if it did it is delivered once, in order,
 * too; delivery resumes within 2 s of the server's return.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { expect, it } from 'vitest'
import { describePostgres, type PostgresTestDatabase } from '../helpers/postgres.js'
import { startTcpProxy } from '../helpers/tcp-proxy.js'
import { pgBroker } from './helpers/broker.js'
import { finishRun, now, type Run, startRun } from './helpers/fault-run.js'

/** How long the server stays away. */
const OUTAGE_MS = 3_000

/** A run whose connections are named after `name` (for `pg_terminate_backend`). */
const startNamedRun = (database: PostgresTestDatabase, url: string, name: string): Promise<Run> =>
  startRun(database, url, {
    mode: 'iterator',
    storeOptions: (role) => ({
      poolConfig: { max: 4, application_name: `${name}-${role}` },
      listen: { connectionString: url, application_name: `${name}-${role}-listen` },
    }),
  })

/** Finishes the run; delivery must have resumed within 2 s of the server's return. */
async function finishWithinTwoSeconds(database: PostgresTestDatabase, run: Run, returnedAt: string): Promise<void> {
  const outcome = await finishRun(database, run, returnedAt)
  expect(run.subscriber.messages.some((m) => m.kind === 'storeError' && m.source === 'listener')).toBe(true)
  console.info(
    `[restart] ${outcome.acked} acknowledged, ${outcome.rejected} rejected (${outcome.rejectedButCommitted} of them committed), delivery resumed ${outcome.resumedAfterMs.iterator?.toFixed(0)} ms after the server returned`,
  )
  expect(outcome.resumedAfterMs.iterator, 'delivery resumes within 2 s of the server return').toBeLessThan(2_000)
}

describePostgres('broker: Postgres restarted under load', (database) => {
  it('through a proxy that cuts every connection and refuses new ones: nothing lost, nobody exits', async () => {
    await pgBroker(database) // migrates the schema
    const proxy = await startTcpProxy()
    database.defer(() => proxy.close())
    const run = await startNamedRun(database, proxy.url(database.url), `dsse-restart-${process.pid}`)
    expect(proxy.cut(), 'connections cut').toBeGreaterThanOrEqual(3)
    await Promise.all(run.publishers.map((p) => p.message((m) => m.kind === 'rejected', 'a rejected publish')))
    await sleep(OUTAGE_MS) // the outage itself: the server stays away this long
    await proxy.restore()
    const returnedAt = now()
    await finishWithinTwoSeconds(database, run, returnedAt)
  }, 90_000)

  it('pg_terminate_backend on every backend of the three stores: nothing lost, nobody exits', async () => {
    await pgBroker(database)
    const name = `dsse-terminate-${process.pid}`
    const run = await startNamedRun(database, database.url, name)
    const killed = await database.query<{ pid: number }>(
      `SELECT pg_terminate_backend(pid) AS pid FROM pg_stat_activity WHERE application_name LIKE $1 || '-%'`,
      [name],
    )
    const returnedAt = now() // the server never left: only the connections did
    expect(killed.length, 'backends of the pools and the listener').toBeGreaterThanOrEqual(4)
    await finishWithinTwoSeconds(database, run, returnedAt)
  }, 90_000)
})
