/**
 * The seed's `SessionService.updateStatus` and `WorkspaceService.updateStatus`: change a row and
 * publish its event in the same transaction, so the event exists exactly when the change does.
 * @module
 */
import type { Kysely } from 'kysely'
import type { Broker, StoredEvent } from '../../src/index.js'
import type { DemoTables } from './database.js'
import { type DemoEvents, topicOf } from './events.js'

/** What the services need. */
export interface Services {
  /** The app's database. */
  db: Kysely<DemoTables>
  /** The broker publishing the project's events. */
  broker: Broker<DemoEvents>
}

/** Sets a session's status and publishes `session_updated`; `undefined` when there is no such session. */
export function updateSessionStatus(
  { db, broker }: Services,
  projectId: string,
  sessionId: string,
  status: string,
): Promise<StoredEvent<'session_updated', DemoEvents['session_updated']> | undefined> {
  return db.transaction().execute(async (trx) => {
    const { numUpdatedRows } = await trx
      .updateTable('sessions')
      .set({ status })
      .where('project_id', '=', projectId)
      .where('id', '=', sessionId)
      .executeTakeFirst()
    if (numUpdatedRows === 0n) return undefined
    const event = { topic: topicOf(projectId), type: 'session_updated', payload: { sessionId, status } } as const
    return broker.publish(event, { transaction: trx })
  })
}

/** Sets a workspace's status and publishes `workspace_updated`; `undefined` when there is no such workspace. */
export function updateWorkspaceStatus(
  { db, broker }: Services,
  projectId: string,
  workspaceId: string,
  status: string,
): Promise<StoredEvent<'workspace_updated', DemoEvents['workspace_updated']> | undefined> {
  return db.transaction().execute(async (trx) => {
    const { numUpdatedRows } = await trx
      .updateTable('workspaces')
      .set({ status })
      .where('project_id', '=', projectId)
      .where('id', '=', workspaceId)
      .executeTakeFirst()
    if (numUpdatedRows === 0n) return undefined
    const event = { topic: topicOf(projectId), type: 'workspace_updated', payload: { workspaceId, status } } as const
    return broker.publish(event, { transaction: trx })
  })
}
