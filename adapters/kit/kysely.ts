/**
 * Telling a caller's Kysely instance from a caller's Kysely `Transaction` (a `Transaction` is a
 * Kysely too, accepted only as `{ transaction }`: `caller-transaction.ts`), and running the
 * store's SQL on a plugin-free view of it, so a caller's `CamelCasePlugin` never rewrites it.
 * @module
 */
import type { Kysely } from 'kysely'

/** What the duck-typed checks look at. */
type KyselyLike = { isTransaction?: unknown; withoutPlugins?: unknown; connection?: unknown } | null | undefined

/** The caller's Kysely instance, plugin-free (never a `Transaction`); else a `TypeError` with `hint`. */
export function callerKysely(value: unknown, hint: string): Kysely<any> {
  const candidate = value as KyselyLike
  if (
    candidate?.isTransaction === true ||
    typeof candidate?.withoutPlugins !== 'function' ||
    typeof candidate.connection !== 'function'
  ) {
    throw new TypeError(hint)
  }
  return (value as Kysely<any>).withoutPlugins()
}
