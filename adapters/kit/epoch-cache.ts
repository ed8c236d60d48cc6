/**
 * A store's epoch, read from its database once: ids of a re-created database then carry another
 * one. A failed read is tried again at the next call.
 * @module
 */

/**
 * The epoch (or what a store derives its epochs from, e.g. the Postgres store's recorded epoch and
 * timeline), read on first use and kept; read again after a failure or {@link EpochCache.forget}.
 */
export class EpochCache<Epoch = string> {
  /** The epoch once a read succeeded, else `undefined`. */
  known: Epoch | undefined
  private readonly read: () => Promise<Epoch>
  private loading: Promise<Epoch> | undefined

  constructor(read: () => Promise<Epoch>) {
    this.read = read
  }

  /** The epoch (reading it if needed). */
  get(): Promise<Epoch> {
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
