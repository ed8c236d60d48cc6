/**
 * Next.js runs `register()` once when the server starts, before it serves a request: the place to
 * end the streams on shutdown. It opens nothing: the database is opened and migrated on the first
 * request (`lib/app.ts`). In a real deployment, run migrations in your deploy step.
 *
 * Shutdown: on SIGTERM or SIGINT, `next start` closes its HTTP server and exits once every
 * connection has ended, so an open SSE stream would keep it alive for good. `broker.close()` on
 * the same signal ends every stream with a `retry:` hint; the browsers' reconnects that still
 * reach this process get "retry later" with `Connection: close`, and `next start` exits within a
 * few seconds (the reconnect delay, or Node's keep-alive timeout for a browser that stays away).
 * With `NEXT_MANUAL_SIG_HANDLE` set, Next.js leaves the signals to you: close the broker, then exit.
 * @module
 */

/** Inside Next.js's Node.js runtime, wires `broker.close()` to SIGTERM and SIGINT. */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { closeStreams } = await import('./lib/app.js')
    const onSignal = () => void closeStreams()
    process.once('SIGTERM', onSignal)
    process.once('SIGINT', onSignal)
  }
}
