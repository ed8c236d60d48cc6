/**
 * Noticing that the database file was deleted, or replaced by another file, at its path while the
 * store has it open. SQLite in WAL mode keeps reading and writing the open file even once no path
 * names it, so every later write would be acknowledged and read by no one. A file's identity is its
 * device and inode numbers (`stat`), taken when the store opens the database.
 * @module
 */
import { type BigIntStats, statSync } from 'node:fs'

/** How the path changed: it names no file any more, or another file. */
export type FileChange = 'deleted' | 'replaced'

/** Remembers which file a path named when the store opened it, and tells whether it still does. */
export class FileGuard {
  /** Absolute path of the database file. */
  readonly path: string
  readonly #dev: bigint
  readonly #ino: bigint

  private constructor(path: string, stats: BigIntStats) {
    this.path = path
    this.#dev = stats.dev
    this.#ino = stats.ino
  }

  /** A guard for the file at `path` now, or `undefined` when `path` names no regular file (`''`: in memory). */
  static of(path: string): FileGuard | undefined {
    if (path === '') return undefined
    try {
      const stats = statOf(path)
      return stats?.isFile() ? new FileGuard(path, stats) : undefined
    } catch {
      return undefined // a path we may not stat cannot be watched
    }
  }

  /** How the path changed since the guard was made, or `undefined` while it names the same file. One `stat`. */
  change(): FileChange | undefined {
    let stats: BigIntStats | undefined
    try {
      stats = statOf(this.path)
    } catch {
      return undefined // cannot tell (a permission changed on the way): the next check looks again
    }
    if (!stats) return 'deleted'
    return stats.dev === this.#dev && stats.ino === this.#ino ? undefined : 'replaced'
  }
}

/** `stat` of `path` with exact 64-bit numbers, or `undefined` when nothing is there. */
function statOf(path: string): BigIntStats | undefined {
  return statSync(path, { bigint: true, throwIfNoEntry: false })
}
