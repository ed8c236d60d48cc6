/**
 * The MySQL store's deadlines, against the real server through a TCP proxy that silences
 * connections (no FIN, no RST: only a deadline notices), with short deadlines: a statement that
 * gets no answer rejects with `StoreTimeoutError` and its connection is destroyed, the next call
 * works on a fresh one; a connection that cannot be had is `StoreUnavailableError`; a publish
 * fails typed, with the deadline as its cause.
 */
import { expect, it } from 'vitest'
import { mysqlStore } from '../../adapters/mysql/index.js'
import { createBroker, PublishFailedError, StoreTimeoutError, StoreUnavailableError } from '../../src/index.js'
import { describeMysql } from '../helpers/mysql.js'
import { uniqueTopic } from '../helpers/postgres.js'
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js'

const DEADLINE_MS = 400

describeMysql('mysql store: deadlines', (database) => {
  const proxied = async (): Promise<TcpProxy> => {
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: 3306, protocol: 'bytes' })
    database.defer(() => proxy.close())
    return proxy
  }
  const storeThrough = async (proxy: TcpProxy) => {
    const store = mysqlStore({ uri: proxy.url(database.url), queryTimeoutMs: DEADLINE_MS, connectTimeoutMs: DEADLINE_MS })
    database.defer(() => store.close())
    return store
  }

  it('a statement with no answer rejects at the deadline; its connection is dropped and the next call works', async () => {
    const proxy = await proxied()
    const store = await storeThrough(proxy)
    await store.migrate()
    const topic = uniqueTopic('silent')
    await store.heads([topic]) // a pooled connection
    expect(proxy.blackhole()).toBeGreaterThanOrEqual(1)
    proxy.heal() // new connections get through; the open ones stay silent

    const started = performance.now()
    const failure = await store.heads([topic]).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(StoreTimeoutError)
    expect((failure as StoreTimeoutError).operation).toBe('query')
    expect(performance.now() - started).toBeLessThan(DEADLINE_MS * 3)
    // The silenced connection left the pool: the next call opens a fresh one and is answered.
    expect((await store.heads([topic])).get(topic)).toMatch(/\.0$/)
  })

  it('with no connection to be had, a call fails with StoreUnavailableError; a publish with PublishFailedError, nothing committed', async () => {
    const proxy = await proxied()
    const ready = await storeThrough(proxy)
    await ready.migrate() // the tables, through the proxy while it relays
    proxy.blackhole() // from now on every connection is held silent
    const store = await storeThrough(proxy) // a fresh pool: it must connect
    const started = performance.now()
    const failure = await store.heads([uniqueTopic('nowhere')]).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(StoreUnavailableError)
    expect(performance.now() - started).toBeLessThan(DEADLINE_MS * 3)

    const broker = createBroker(store, { heartbeatMs: 0 })
    database.defer(() => broker.close())
    const refused = await broker
      .publish({ topic: uniqueTopic('nowhere'), type: 't', payload: {} })
      .catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(PublishFailedError)
    expect((refused as PublishFailedError).cause).toBeInstanceOf(StoreUnavailableError)
    expect((refused as PublishFailedError).mayHaveCommitted).toBe(false)
  })
})
