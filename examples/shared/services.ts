/**
 * The seed's two services. Each changes its row and publishes the matching event in the same
 * database transaction, as the transaction's last statement: the event exists if and only if the
 * change does, and it reaches browsers only after the commit.
 * @module
 */
import type { Kysely } from 'kysely'
import type { Broker, StoredEvent } from '../../src/index.js'
import type { AppTables } from './database.js'
import { type AppEvents, topicOf } from './events.js'

/** What the services need: the app's database and the broker. */
export interface ServiceDeps {
  /** The app's Kysely (the events are written through its transactions). */
  db: Kysely<AppTables>
  /** The broker that publishes the project's events. */
  broker: Broker<AppEvents>
}

/** Changes sessions' statuses. */
export class SessionService {
  constructor(private readonly deps: ServiceDeps) {}

  /**
   * Sets a session's status and publishes `session_updated` in the same transaction; resolves
   * with the stored event, or `undefined` when the project has no such session.
   * @example
   * const event = await sessions.updateStatus('p1', 'session-1', 'running')
   */
  updateStatus(
    projectId: string,
    sessionId: string,
    status: string,
  ): Promise<StoredEvent<'session_updated', AppEvents['session_updated']> | undefined> {
    const { db, broker } = this.deps
    return db.transaction().execute(async (trx) => {
      const { numUpdatedRows } = await trx
        .updateTable('sessions')
        .set({ status })
        .where('project_id', '=', projectId)
        .where('id', '=', sessionId)
        .executeTakeFirst()
      if (numUpdatedRows === 0n) return undefined
      const event = { topic: topicOf(projectId), type: 'session_updated', payload: { sessionId, status } } as const
      return broker.publish(event, { transaction: trx }) // last statement of the transaction
    })
  }
}

/** Changes workspaces' statuses. */
export class WorkspaceService {
  constructor(private readonly deps: ServiceDeps) {}

  /**
   * Sets a workspace's status and publishes `workspace_updated` in the same transaction; resolves
   * with the stored event, or `undefined` when the project has no such workspace.
   * @example
   * const event = await workspaces.updateStatus('p1', 'workspace-1', 'ready')
   */
  updateStatus(
    projectId: string,
    workspaceId: string,
    status: string,
  ): Promise<StoredEvent<'workspace_updated', AppEvents['workspace_updated']> | undefined> {
    const { db, broker } = this.deps
    return db.transaction().execute(async (trx) => {
      const { numUpdatedRows } = await trx
        .updateTable('workspaces')
        .set({ status })
        .where('project_id', '=', projectId)
        .where('id', '=', workspaceId)
        .executeTakeFirst()
      if (numUpdatedRows === 0n) return undefined
      const event = { topic: topicOf(projectId), type: 'workspace_updated', payload: { workspaceId, status } } as const
      return broker.publish(event, { transaction: trx }) // last statement of the transaction
    })
  }
}
