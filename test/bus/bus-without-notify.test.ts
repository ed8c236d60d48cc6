/**
 * Acceptance 3 of issue 20: the app's database role cannot run `pg_notify` (EXECUTE revoked from
 * PUBLIC in a scratch database, the app logged in as a role that is not a superuser). With a bus
 * and `notify: false`, publishing works and another process's broker delivers; with NOTIFY the
 * same publish fails, which shows the revocation holds.
 */
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { natsWake } from '../../adapters/nats/index.js'
import { postgresStore } from '../../adapters/postgres/index.js'
import { createBroker, PublishFailedError } from '../../src/index.js'
import { busServerMissing, startBusServer } from '../helpers/bus-servers.js'
import { describePostgres } from '../helpers/postgres.js'
import { take } from '../helpers/wait.js'

const missing = busServerMissing('nats')
if (missing !== undefined && process.env.CI !== 'true') {
  console.warn(`\n!!! SKIPPING the bus without pg_notify test: ${missing}\n`)
  describe.skip(`a bus where pg_notify is revoked [SKIPPED: ${missing}]`, () => {})
} else {
  describePostgres('a bus where pg_notify is revoked', (database) => {
    it('publishes and delivers across brokers with notify: false and a NATS bus', async () => {
      const suffix = `${process.pid}_${Math.random().toString(36).slice(2, 8)}`
      const name = `dsse_no_notify_${suffix}`
      const role = `dsse_app_${suffix}`
      await database.query(`CREATE DATABASE "${name}"`)
      await database.query(`CREATE ROLE "${role}" LOGIN NOSUPERUSER`)
      database.defer(async () => {
        await database.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
        await database.query(`DROP ROLE IF EXISTS "${role}"`)
      })
      const adminUrl = new URL(database.url)
      adminUrl.pathname = `/${name}`
      const admin = new pg.Client({ connectionString: adminUrl.toString() })
      await admin.connect()
      await admin.query('REVOKE EXECUTE ON FUNCTION pg_notify(text, text) FROM PUBLIC')
      await admin.query(`CREATE SCHEMA app AUTHORIZATION "${role}"`)
      await admin.end()
      const appUrl = new URL(adminUrl)
      appUrl.username = role
      appUrl.password = ''

      const probe = new pg.Client({ connectionString: appUrl.toString() })
      await probe.connect()
      await expect(probe.query(`SELECT pg_notify('x', 'y')`)).rejects.toThrow(/permission denied/)
      await probe.end()

      const server = await startBusServer('nats')
      database.defer(() => server.stop())
      const open = (notify: boolean) => {
        const store = postgresStore({ connectionString: appUrl.toString(), schema: 'app', notify })
        const broker = createBroker(store, { pollIntervalMs: 60_000, wake: natsWake({ servers: server.url }) })
        database.defer(async () => {
          await broker.close()
          await store.close()
        })
        return { store, broker }
      }
      const publishing = open(false)
      await publishing.store.migrate()
      const receiving = open(false)
      const subscription = receiving.broker.subscribe('orders')
      await subscription.ready
      const published = await publishing.broker.publish({ topic: 'orders', type: 'placed', payload: { n: 1 } })
      const [received] = await take(subscription, 1, 10_000) // the backstop is a minute away: the bus brought it
      expect(received?.id).toBe(published.id)

      const notifying = open(true)
      await expect(notifying.broker.publish({ topic: 'orders', type: 'placed', payload: { n: 2 } })).rejects.toBeInstanceOf(
        PublishFailedError,
      )
    })
  })
}
