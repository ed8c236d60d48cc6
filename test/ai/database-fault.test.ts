/**
 * `durable-sse/ai` when the database goes away while a stream is produced (Postgres behind a TCP
 * proxy that cuts every connection and refuses new ones, as a restart does; the shared server is
 * never touched). The producer's store goes through the proxy, readers use a direct store.
 */
import { expect, it } from 'vitest'
import { createResumableStreamContext } from '../../src/ai/index.js'
import { PublishFailedError } from '../../src/index.js'
import { describePostgres } from '../helpers/postgres.js'
import { startTcpProxy } from '../helpers/tcp-proxy.js'
import { until } from '../helpers/wait.js'
import { readAll, readAtLeast, source } from './streams.js'

const chunk = (i: number) => `data: {"type":"text-delta","delta":"tok${i} "}\n\n`

describePostgres('durable-sse/ai: the database goes away while a stream is produced', (database) => {
  const open = async (timing: { heartbeatMs: number; producerTimeoutMs: number }) => {
    const proxy = await startTcpProxy()
    database.defer(() => proxy.close())
    const errors: unknown[] = []
    const producerStore = await database.store({ connectionString: proxy.url(database.url), onError: () => {} })
    // Counts the appends the outage failed (the producer retries them), to show the fault hit.
    let failedAppends = 0
    const append = producerStore.append.bind(producerStore)
    producerStore.append = (drafts, options) =>
      append(drafts, options).catch((error: unknown) => {
        failedAppends++
        throw error
      })
    const producer = createResumableStreamContext({ store: producerStore, ...timing, onError: (error) => errors.push(error) })
    const reader = createResumableStreamContext({ store: await database.store(), ...timing })
    return { proxy, errors, producer, reader, failedAppends: () => failedAppends }
  }

  it('a short outage: failed appends are retried in order, and the stored stream is whole, each chunk once', async () => {
    const { proxy, errors, producer, reader, failedAppends } = await open({ heartbeatMs: 100, producerTimeoutMs: 10_000 })
    const input = source()
    const copy = await producer.createNewResumableStream('short', () => input.stream)
    const live = (await reader.resumeExistingStream('short'))!.getReader()
    const sent: string[] = []
    for (let i = 0; i < 50; i++) sent.push(chunk(i))
    for (const text of sent) input.write(text)
    expect(await readAtLeast(live, sent.join('').length)).toBe(sent.join(''))

    proxy.cut() // the database restarts: chunks written now fail to append, and are retried
    for (let i = 50; i < 100; i++) {
      sent.push(chunk(i))
      input.write(chunk(i))
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    await until(() => failedAppends() > 0, 5_000, 'an append to fail during the outage')
    await proxy.restore()
    for (let i = 100; i < 150; i++) {
      sent.push(chunk(i))
      input.write(chunk(i))
    }
    input.close()

    const whole = sent.join('')
    expect(await readAll(copy, 20_000)).toBe(whole)
    let rest = ''
    for (;;) {
      const { done, value } = await live.read()
      if (done) break
      rest += value
    }
    expect(sent.slice(0, 50).join('') + rest).toBe(whole)
    expect(await readAll(await reader.resumeExistingStream('short'))).toBe(whole)
    expect(await reader.hasExistingStream('short')).toBe('DONE')
    expect(errors).toEqual([])
  })

  it('an outage longer than producerTimeoutMs: the producer reports the failure, a resumer ends the stream after what was stored', async () => {
    const { proxy, errors, producer, reader } = await open({ heartbeatMs: 100, producerTimeoutMs: 1_500 })
    const input = source()
    const copy = await producer.createNewResumableStream('long', () => input.stream)
    const stored = Array.from({ length: 20 }, (_, i) => chunk(i)).join('')
    input.write(stored)
    const live = (await reader.resumeExistingStream('long'))!.getReader()
    expect(await readAtLeast(live, stored.length)).toBe(stored)

    proxy.cut() // and it stays down
    input.write(chunk(20))
    await until(() => errors.length > 0, 10_000, 'the producer to give the appends up')
    expect(errors[0]).toBeInstanceOf(PublishFailedError)
    expect((await live.read()).done).toBe(true) // the resumer heard nothing for 1.5 s and ended the stream
    expect(await reader.hasExistingStream('long')).toBe('DONE')
    expect(await readAll(await reader.resumeExistingStream('long'))).toBe(stored)

    input.close()
    expect(await readAll(copy)).toBe(stored + chunk(20)) // the producer's own reader still got everything
  })
})
