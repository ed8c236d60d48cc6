/**
 * The demo's services: the shared `SessionService` and `WorkspaceService` on the demo's tables,
 * publishing to the demo's `project-<id>` topics, and a notification service that writes a user's
 * notification and publishes it to the user's `user-<id>` topic in one transaction.
 * @module
 */
import type { Kysely } from 'kysely'
import type { Broker, StoredEvent } from '../../src/index.js'
import type { AppEvents } from '../shared/events.js'
import { SessionService, WorkspaceService } from '../shared/services.js'
import type { DemoTables } from './database.js'
import { type DemoEvents, topicOf, userTopicOf } from './events.js'

/** Sends users notifications. */
export class NotificationService {
  constructor(
    private readonly db: Kysely<DemoTables>,
    private readonly broker: Broker<DemoEvents>,
  ) {}

  /**
   * Stores a notification for `userId` and publishes `notification` to the user's topic in the same
   * transaction; resolves with the stored event.
   * @example
   * const event = await notifications.send('ada', 'Your build finished')
   */
  send(userId: string, text: string): Promise<StoredEvent<'notification', DemoEvents['notification']>> {
    return this.db.transaction().execute(async (trx) => {
      const { id } = await trx
        .insertInto('notifications')
        .values({ user_id: userId, text })
        .returning('id')
        .executeTakeFirstOrThrow()
      const event = { topic: userTopicOf(userId), type: 'notification', payload: { notificationId: id, text } } as const
      return this.broker.publish(event, { transaction: trx }) // last statement of the transaction
    })
  }
}

/** The demo's services. */
export interface DemoServices {
  /** `SessionService.updateStatus`. */
  sessions: SessionService<DemoTables>
  /** `WorkspaceService.updateStatus`. */
  workspaces: WorkspaceService<DemoTables>
  /** `NotificationService.send`. */
  notifications: NotificationService
}

/** The demo's services on its database, publishing through `broker`. */
export function demoServices(db: Kysely<DemoTables>, broker: Broker<DemoEvents>): DemoServices {
  // The shared services publish project events only, which the demo's event map includes; their
  // deps name the shared map, and a broker's type is invariant in its map, hence the cast.
  const deps = { db, broker: broker as unknown as Broker<AppEvents>, topicOf }
  return {
    sessions: new SessionService(deps),
    workspaces: new WorkspaceService(deps),
    notifications: new NotificationService(db, broker),
  }
}
