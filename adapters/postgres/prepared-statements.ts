/**
 * Named prepared statements for the store's hottest statements (the append, the reads, the resume
 * check). An unnamed statement is parsed, analysed and planned on every call: for the append's
 * single statement (head rows, inserts, NOTIFY) that is about 0.3 ms of the ~0.8 ms a commit
 * takes here; a named one is parsed once per connection, and its plan is cached by the server.
 *
 * Only statements the store runs outside any transaction are named, so a refusal costs nothing
 * but a retry: a pooler in transaction mode that does not track prepared statements (PgBouncer
 * before 1.21, or without `max_prepared_statements`) answers "prepared statement ... does not
 * exist" or "already exists" before running anything; the statement then runs unnamed, and so
 * does every later one of this store.
 * @module
 */
import { createHash } from 'node:crypto'

/** SQLSTATEs of a refused named statement: 26000 (it does not exist on this server connection), 42P05 (it already does). */
const REFUSED = new Set(['26000', '42P05'])

/** Whether `error` is the server refusing a named statement (nothing ran). */
const refusedNamed = (error: unknown): boolean => REFUSED.has((error as { code?: unknown } | null)?.code as string)

/** The part of a `pg` client this uses. */
type Query = (...args: unknown[]) => unknown

/** Runs a store's hottest statements as named prepared statements, until a pooler refuses them. */
export class PreparedStatements {
  private readonly names: Map<string, string>
  private named = true

  /** `texts`: the statements to name (each gets a name from a hash of its text, so stores of other schemas on one pool never clash). */
  constructor(texts: Iterable<string>) {
    this.names = new Map(
      [...texts].map((text) => [text, `durable_sse_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`]),
    )
  }

  /** `query.apply(client, args)`, as a named statement when `args` is one of ours (text and values, no callback). */
  run(client: unknown, query: Query, args: unknown[]): unknown {
    const [text, values] = args
    const name = this.named && args.length <= 2 && typeof text === 'string' ? this.names.get(text) : undefined
    if (name === undefined) return query.apply(client, args)
    const result = query.call(client, { name, text, values })
    if (!(result instanceof Promise)) return result
    return result.catch((error: unknown) => {
      if (!refusedNamed(error)) throw error
      this.named = false
      return query.apply(client, args)
    })
  }
}
