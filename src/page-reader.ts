/**
 * Catch-up pages: what a connection that fell behind (or started behind the poller) reads from the
 * store, one page per topic in one round trip, screened like the poller's reads. Connections get
 * their page reader from the broker, so where pages come from is decided in one place: the pages
 * and the resume checks are asked of two stores, the same one today (a replica could serve the
 * pages while the primary answers the resume checks).
 * @module
 */
import { Batch } from './batch.js'
import { CannotResumeError } from './errors.js'
import type { EventRecord } from './event.js'
import type { FailureLog } from './failure-log.js'
import type { RecordScreen } from './screen.js'
import type { EventStore, TopicCursor } from './store.js'
import type { Telemetry } from './telemetry.js'

/** Reads catch-up pages for connections. */
export interface PageReader {
  /**
   * One page per cursor, in one store round trip: up to `limit` events of each topic after its
   * `after`, screened (`undefined` when there are none, a batch without records when all were
   * corrupt). Rejects with {@link CannotResumeError} when retention pruned events a cursor had not
   * read, and with the store's error when the read fails.
   */
  read(cursors: readonly TopicCursor[], limit: number): Promise<Array<Batch | undefined>>
}

/** Pages from a store: `readAfter` there, then a resume check of every cursor (in `resumes`). */
export class StorePages implements PageReader {
  private readonly pages: Pick<EventStore, 'readAfter'>
  private readonly resumes: Pick<EventStore, 'checkResume'>
  private readonly screen: RecordScreen
  private readonly failures: FailureLog
  private readonly telemetry: Telemetry | undefined

  /** Failures other than {@link CannotResumeError} go to `failures` (reported once per kind while they repeat); `telemetry` traces each page and counts resets. */
  constructor(
    pages: Pick<EventStore, 'readAfter'>,
    resumes: Pick<EventStore, 'checkResume'>,
    screen: RecordScreen,
    failures: FailureLog,
    telemetry?: Telemetry,
  ) {
    this.pages = pages
    this.resumes = resumes
    this.screen = screen
    this.failures = failures
    this.telemetry = telemetry
  }

  /**
   * Retention deletes oldest first, so when no topic is pruned past its `after` once the read is
   * done, nothing after `after` was deleted before the read, and the page has no gap.
   */
  async read(cursors: readonly TopicCursor[], limit: number): Promise<Array<Batch | undefined>> {
    try {
      const pages = await this.pages.readAfter(cursors, limit)
      const checks = await Promise.all(cursors.map(({ topic, after }) => this.resumes.checkResume(topic, after)))
      for (const [i, check] of checks.entries()) {
        const { topic, after } = cursors[i] as TopicCursor
        if (!check.ok) throw new CannotResumeError(check.reason, after, topic)
      }
      this.failures.succeeded()
      return cursors.map(({ topic }) => {
        const page = pages.get(topic)
        if (!page?.length) return undefined
        const batch = new Batch(topic, this.screen.pass(topic, page), (page[page.length - 1] as EventRecord).id)
        this.telemetry?.deliver(topic, batch.records, 'catch-up', () => {})
        return batch
      })
    } catch (error) {
      if (!(error instanceof CannotResumeError)) this.failures.failed(error)
      else this.telemetry?.reset(error.reason)
      throw error
    }
  }
}
