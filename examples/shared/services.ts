/**
 * The seed's two services. Each changes its row and publishes the matching event in the same
 * database transaction, as the transaction's last statement: the event exists if and only if the
 * change does, and it reaches browsers only after the commit. They work on any app whose
 * `sessions` and `workspaces` tables have at least the columns of {@link AppTables}.
 * @module
 */
import type { Kysely, Transaction } from 'kysely'
import type { Broker, StoredEvent } from '../../src/index.js'
import type { AppTables } from './database.js'
import { type AppEvents, topicOf as projectTopic } from './events.js'

/** What the services need: the app's database and the broker. */
export interface ServiceDeps<Tables extends AppTables = AppTables> {
  /** The app's Kysely (the events are written through its transactions). */
  db: Kysely<Tables>
  /** The broker that publishes the project's events. */
  broker: Broker<AppEvents>
  /** The topic of a project's events. Default `topicOf` of `./events.ts` (`project:<id>`). */
  topicOf?: (projectId: string) => string
}

/** A status change: the row to update, then the event to publish in the same transaction. */
interface Change<Result> {
  table: keyof AppTables
  projectId: string
  itemId: string
  status: string
  publish(topic: string, trx: Transaction<AppTables>): Promise<Result>
}

/** Updates the row's status and publishes, in one transaction; `undefined` (nothing published) when there is no such row. */
function changeStatus<Result>(deps: ServiceDeps<AppTables>, change: Change<Result>): Promise<Result | undefined> {
  const { table, projectId, itemId, status } = change
  return deps.db.transaction().execute(async (trx) => {
    const { numUpdatedRows } = await trx
      .updateTable(table)
      .set({ status })
      .where('project_id', '=', projectId)
      .where('id', '=', itemId)
      .executeTakeFirst()
    if (numUpdatedRows === 0n) return undefined
    return change.publish((deps.topicOf ?? projectTopic)(projectId), trx) // last statement of the transaction
  })
}

/** The deps as the services use them: wider tables only add columns the services never touch. */
function narrow<Tables extends AppTables>(deps: ServiceDeps<Tables>): ServiceDeps<AppTables> {
  return deps as unknown as ServiceDeps<AppTables>
}

/** Changes sessions' statuses. */
export class SessionService<Tables extends AppTables = AppTables> {
  constructor(private readonly deps: ServiceDeps<Tables>) {}

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
    const { broker } = this.deps
    return changeStatus(narrow(this.deps), {
      table: 'sessions',
      projectId,
      itemId: sessionId,
      status,
      publish: (topic, trx) =>
        broker.publish({ topic, type: 'session_updated', payload: { sessionId, status } } as const, { transaction: trx }),
    })
  }
}

/** Changes workspaces' statuses. */
export class WorkspaceService<Tables extends AppTables = AppTables> {
  constructor(private readonly deps: ServiceDeps<Tables>) {}

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
    const { broker } = this.deps
    return changeStatus(narrow(this.deps), {
      table: 'workspaces',
      projectId,
      itemId: workspaceId,
      status,
      publish: (topic, trx) =>
        broker.publish({ topic, type: 'workspace_updated', payload: { workspaceId, status } } as const, { transaction: trx }),
    })
  }
}
