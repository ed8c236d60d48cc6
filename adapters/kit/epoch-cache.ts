/**
 * A store's epoch, read from its database once: ids of a re-created database then carry another
 * one. A failed read is tried again at the next call.
 * @module
 */

/** The epoch, read on first use and kept; read again after a failure or {@link EpochCache.forget}. */
export class EpochCache {
  /** The epoch once a read succeeded, else `undefined`. */
  known: string | undefined
  private readonly read: () => Promise<string>
  private loading: Promise<string> | undefined

  constructor(read: () => Promise<string>) {
    this.read = read
  }

  /** The epoch (reading it if needed). */
  get(): Promise<string> {
    this.loading ??= this.read().then(
      (epoch) => {
        this.known = epoch
        return epoch
      },
      (error: unknown) => {
        this.loading = undefined
        throw error
      },
    )
    return this.loading
  }

  /** Forgets the epoch (after a migration created the tables): the next call reads it again. */
  forget(): void {
    this.loading = undefined
    this.known = undefined
  }
}
