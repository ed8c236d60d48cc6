/**
 * Issue 22, acceptance 3, for any database: a transaction of another data layer (Drizzle, the raw
 * driver) that commits delivers its events and keeps the app's row; one that rolls back delivers
 * nothing and leaves no row; a value that is no open transaction is a `TypeError` naming what is
 * accepted, and nothing is written.
 */
import { expect, it } from 'vitest'
import type { Broker } from '../../src/index.js'
import { uniqueTopic } from '../helpers/postgres.js'
import { collect } from '../postgres/helpers/collect.js'

/** The event's publish, in a transaction: awaited, or synchronous (`broker.publishSync`). */
export interface Publish {
  /** `broker.publish(event, { transaction })`. */
  publish(transaction: unknown): Promise<unknown>
  /** `broker.publishSync(event, { transaction })`. */
  publishSync(transaction: unknown): unknown
}

/** Writes the app's row `id` and publishes an event in one transaction of some data layer. */
export interface TransactionKind {
  /** What it is, e.g. `'Drizzle node-postgres'`. */
  name: string
  /**
   * Opens a transaction, inserts the app's row `id` in it, publishes with `event`, then commits
   * (`commit`) or rolls back.
   */
  run(id: string, event: Publish, commit: boolean): Promise<void>
}

/** What the cases need of a database. */
export interface CallerTransactionSetup {
  /** A broker over the store under test. */
  broker(): Promise<Broker>
  /** Whether the app's row `id` exists. */
  rowExists(id: string): Promise<boolean>
  /** The transaction kinds to prove. */
  kinds: readonly TransactionKind[]
  /** Values that are no open transaction of this database, by what they are. */
  notTransactions(): Promise<Array<[string, unknown]>>
}

let rows = 0

/** Declares the cases (inside a describe group). */
export function callerTransactionCases(setup: CallerTransactionSetup): void {
  for (const kind of setup.kinds) {
    it(`${kind.name}: a commit delivers the event and keeps the row; a rollback delivers nothing and leaves no row`, async () => {
      const broker = await setup.broker()
      const topic = uniqueTopic('tx')
      const events = collect(broker, topic)
      await events.ready
      const [kept, dropped] = [`kept${++rows}`, `dropped${++rows}`]
      const event = (id: string) => ({ topic, type: 'row_added', payload: { id } })
      const publishing = (id: string): Publish => ({
        publish: (transaction) => broker.publish(event(id), { transaction }),
        publishSync: (transaction) => broker.publishSync(event(id), { transaction }),
      })

      await kind.run(kept, publishing(kept), true)
      await events.until((received) => received.length === 1, 'the committed event', 10_000)
      expect(await setup.rowExists(kept)).toBe(true)

      await kind.run(dropped, publishing(dropped), false)
      expect(await setup.rowExists(dropped)).toBe(false)
      // A marker published after the rollback arrives after anything the rollback could have left.
      await broker.publish(event('marker'))
      await events.until((received) => received.length >= 2, 'the marker', 10_000)
      expect(events.payloads()).toEqual([{ id: kept }, { id: 'marker' }])
      await events.stop()
    })
  }

  it('a value that is no open transaction is a TypeError saying what is accepted, and nothing is written', async () => {
    const broker = await setup.broker()
    const topic = uniqueTopic('refused')
    const events = collect(broker, topic)
    await events.ready
    for (const [what, value] of await setup.notTransactions()) {
      const refused = await broker.publish({ topic, type: 'row_added', payload: { what } }, { transaction: value }).then(
        () => undefined,
        (error: unknown) => error,
      )
      expect(refused, what).toBeInstanceOf(TypeError)
      expect(String((refused as Error).message), what).toMatch(/`transaction` must be .*Kysely Transaction.*Drizzle/)
    }
    await broker.publish({ topic, type: 'row_added', payload: { what: 'marker' } })
    await events.until((received) => received.length >= 1, 'the marker', 10_000)
    expect(events.payloads()).toEqual([{ what: 'marker' }])
    await events.stop()
  })
}
