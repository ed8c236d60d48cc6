/**
 * The demo's services: the shared `SessionService` and `WorkspaceService` on the demo's tables,
 * publishing to the demo's `project-<id>` topics.
 * @module
 */
import type { Kysely } from 'kysely'
import type { Broker } from '../../src/index.js'
import type { AppEvents } from '../shared/events.js'
import { SessionService, WorkspaceService } from '../shared/services.js'
import type { DemoTables } from './database.js'
import { topicOf } from './events.js'

/** The demo's two services. */
export interface DemoServices {
  /** `SessionService.updateStatus`. */
  sessions: SessionService<DemoTables>
  /** `WorkspaceService.updateStatus`. */
  workspaces: WorkspaceService<DemoTables>
}

/** The shared services on the demo's database, publishing through `broker` to `project-<id>` topics. */
export function demoServices(db: Kysely<DemoTables>, broker: Broker<AppEvents>): DemoServices {
  const deps = { db, broker, topicOf }
  return { sessions: new SessionService(deps), workspaces: new WorkspaceService(deps) }
}
