/**
 * The Next.js example's server-side singleton: the database, the store and the broker, created
 * once per server process. Kept on `globalThis` so `next dev` reloading a route module does not
 * open a second broker. Its tables are created by `instrumentation.ts` at server start.
 * @module
 */
import { createApp, defaultDbFile, type ExampleApp } from '../../shared/app.js'

const holder = globalThis as typeof globalThis & { durableSseNextExample?: ExampleApp }

holder.durableSseNextExample ??= createApp({ dbFile: defaultDbFile('next') })

/** The app: `app.broker`, `app.sessions`, `app.workspaces`. */
export const app: ExampleApp = holder.durableSseNextExample
