/**
 * Next.js runs `register()` once when the server starts, before it serves a request: the place to
 * create the tables (app and events). In a real deployment, run migrations in your deploy step.
 * @module
 */

/** Creates the tables on the Node.js runtime. */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === undefined || process.env.NEXT_RUNTIME === 'nodejs') {
    const { app } = await import('./lib/app.js')
    await app.ready()
  }
}
