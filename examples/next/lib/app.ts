/**
 * The Next.js example's server-side state: the database, the store and the broker, made on the
 * first request (or publish) and once per server process.
 *
 * Nothing happens at import: `next build` imports every route module to read its exports
 * ("Collecting page data", in several worker processes), and a module that opened the database or
 * ran migrations at import would do so there, at build time, once per worker. So the app is made
 * and migrated by {@link nextApp}, which every route awaits.
 *
 * One per process: Next.js may evaluate this module more than once in one process (each route's
 * bundle, `instrumentation.ts`, every `next dev` reload), so the app lives on `globalThis`, not in
 * a module variable: one database connection, one broker and one poller, whichever module asks.
 * @module
 */
import type { RouteHandlerContext } from '../../../src/index.js'
import { createApp, defaultDbFile, type ExampleApp } from '../../shared/app.js'
import { authorizeProject } from '../../shared/auth.js'
import { topicOf } from '../../shared/events.js'

/** The app and the project stream's route handler, made together. */
export interface NextApp extends ExampleApp {
  /** `GET /api/projects/:id/events`: the project's event stream. */
  events(request: Request, context: RouteHandlerContext): Promise<Response>
}

/** This process's app (on `globalThis`), and whether the process is shutting down. */
interface Holder {
  app?: NextApp
  closing?: boolean
}

const global = globalThis as typeof globalThis & { durableSseNextExample?: Holder }
global.durableSseNextExample ??= {}
const holder: Holder = global.durableSseNextExample

/** Makes the app: opens the database file (`$EXAMPLE_DB`) and the broker; no query runs yet. */
function create(): NextApp {
  const app = createApp({ dbFile: defaultDbFile('next') })
  const events = app.broker.handler({
    topic: async (_request, { params }) => {
      const { id } = await params // typed string | undefined under noUncheckedIndexedAccess
      return id === undefined ? undefined : topicOf(id) // undefined answers 400
    },
    authorize: authorizeProject,
  })
  if (holder.closing) void app.broker.close() // made after the signal: it answers "retry later"
  return Object.assign(app, { events })
}

/** This process's app, made and migrated (tables app and events) on the first call. */
export async function nextApp(): Promise<NextApp> {
  holder.app ??= create()
  await holder.app.ready()
  return holder.app
}

/**
 * Ends every stream of this process with a `retry:` hint (`broker.close()`), for SIGTERM and
 * SIGINT: later requests get "retry later". Makes nothing if no request came yet.
 */
export function closeStreams(): Promise<void> {
  holder.closing = true
  return holder.app?.broker.close() ?? Promise.resolve()
}
