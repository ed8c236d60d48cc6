/**
 * The publishing process of the cross-process scenarios (xproc, many-topics, processes):
 * publishes open-loop, each payload carrying its scheduled time, to one topic or to random topics
 * of a numbered set. With a store it publishes through a durable-sse broker; with `raw` it sends
 * `pg_notify` (alone, or with an insert in the same statement) through a `pg` pool.
 * @module
 */
import pg from 'pg'
import { nowUs } from '../lib/clock.js'
import { encodeHistogram, newHistogram, recordUs } from '../lib/histogram.js'
import { type OpenLoopResult, runOpenLoop } from '../lib/open-loop.js'
import { loadOurs } from '../lib/ours.js'
import { payload } from '../lib/payload.js'
import { commonCommands } from '../lib/server-commands.js'
import { busOptions, openStore, type StoreConfig } from '../lib/stores.js'
import { serve, startArgs } from '../lib/worker.js'

/** Start arguments: a store to publish through, or a raw NOTIFY channel. */
export type XprocPublisherStart =
  | { kind: 'ours'; store: StoreConfig }
  | { kind: 'raw'; postgresUrl: string; channel: string; insertInto?: string }

/** Arguments of `publish`. */
export interface XprocPublish {
  /** Events per second. */
  rate: number
  /** Events in total. */
  count: number
  /** The topic; with `topicCount`, the prefix of topics `<topic>0` .. `<topic><topicCount - 1>`. */
  topic: string
  /** Each event goes to one of this many numbered topics, at random. */
  topicCount?: number
  /** Approximate payload JSON size, bytes. */
  payloadBytes: number
  /** Upper bound of the schedule, ms. */
  maxMs: number
}

/** The answer of `publish`. */
export interface XprocPublished extends OpenLoopResult {
  /** Publishes that failed. */
  errors: number
  /** Encoded histogram: scheduled time → publish resolved (committed), µs. */
  committed: string
  /** Events published (and committed) per topic. */
  perTopic: Record<string, number>
}

type Send = (topic: string, t: number, bytes: number) => Promise<unknown>

const start = startArgs<XprocPublisherStart>()

async function sender(): Promise<Send> {
  if (start.kind === 'ours') {
    const { createBroker } = await loadOurs()
    const broker = createBroker(await openStore(start.store), { ...(await busOptions(start.store)), onError: () => {} })
    return (topic, t, bytes) => broker.publish({ topic, type: 'tick', payload: payload(t, bytes) })
  }
  const pool = new pg.Pool({ connectionString: start.postgresUrl, max: 16 })
  pool.on('error', () => {})
  const { channel, insertInto } = start
  if (insertInto) {
    await pool.query(
      `CREATE TABLE IF NOT EXISTS ${insertInto} (id bigserial PRIMARY KEY, topic text NOT NULL, type text NOT NULL, data text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`,
    )
    const sql = `WITH i AS (INSERT INTO ${insertInto} (topic, type, data) VALUES ($1, 'tick', $2) RETURNING 1) SELECT pg_notify($3, $4) FROM i`
    return (topic, t, bytes) => pool.query(sql, [topic, JSON.stringify(payload(t, bytes)), channel, String(t)])
  }
  return (_topic, t) => pool.query('SELECT pg_notify($1, $2)', [channel, String(t)])
}

const send = await sender()

const topicOf = (command: XprocPublish): string =>
  command.topicCount === undefined ? command.topic : `${command.topic}${Math.floor(Math.random() * command.topicCount)}`

serve({
  ...commonCommands,
  publish: async (command: XprocPublish): Promise<XprocPublished> => {
    const pending: Promise<unknown>[] = []
    const committed = newHistogram() // scheduled time → publish resolved (durable)
    const perTopic: Record<string, number> = {}
    let errors = 0
    const result = await runOpenLoop({
      rate: command.rate,
      count: command.count,
      maxMs: command.maxMs,
      onDue: (due) => {
        for (const { t } of due) {
          const topic = topicOf(command)
          pending.push(
            send(topic, t, command.payloadBytes).then(
              () => {
                recordUs(committed, nowUs() - t)
                perTopic[topic] = (perTopic[topic] ?? 0) + 1
              },
              () => errors++,
            ),
          )
        }
      },
    })
    await Promise.all(pending)
    return { ...result, errors, committed: encodeHistogram(committed), perTopic }
  },
})
