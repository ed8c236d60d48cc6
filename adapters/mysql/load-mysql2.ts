/**
 * Loads the `mysql2` driver on first use, so importing `durable-sse/mysql` costs nothing until a
 * store needs a pool of its own.
 * @module
 */
import type { MysqlPoolLike } from './mysql-store-config.js'

/** The part of the `mysql2` module the adapter uses. */
export interface Mysql2Module {
  /** `mysql2.createPool` (the callback API). */
  createPool(config: Record<string, unknown>): MysqlPoolLike
}

let loading: Promise<Mysql2Module> | undefined

/** Imports `mysql2` once; rejects with an install hint when it is missing. */
export function loadMysql2(): Promise<Mysql2Module> {
  loading ??= import('mysql2').then(
    (module: { default?: unknown }) => (module.default ?? module) as Mysql2Module,
    (cause: unknown) => {
      loading = undefined
      throw new Error("durable-sse/mysql needs the 'mysql2' package: npm install mysql2", { cause })
    },
  )
  return loading
}
