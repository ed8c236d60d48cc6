/**
 * Next.js runs `register()` once when the server starts, before it serves a request: the place to
 * create the tables (app and events) and to end the streams on shutdown. In a real deployment, run
 * migrations in your deploy step.
 *
 * Shutdown: on SIGTERM or SIGINT, `next start` closes its HTTP server and exits once every
 * connection has ended, so an open SSE stream would keep it alive for good. `broker.close()` on
 * the same signal ends every stream with a `retry:` hint; the browsers' reconnects that still
 * reach this process get "retry later" with `Connection: close`, and `next start` exits within a
 * few seconds (the reconnect delay, or Node's keep-alive timeout for a browser that stays away).
 * With `NEXT_MANUAL_SIG_HANDLE` set, Next.js leaves the signals to you: close the broker, then exit.
 * @module
 */

/** Creates the tables and, inside Next.js's Node.js runtime, wires `broker.close()` to SIGTERM and SIGINT. */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === undefined || process.env.NEXT_RUNTIME === 'nodejs') {
    const { app } = await import('./lib/app.js')
    await app.ready()
    // Next.js sets NEXT_RUNTIME; a test harness that calls register() keeps its own signal handling.
    if (process.env.NEXT_RUNTIME === 'nodejs') {
      const closeStreams = () => void app.broker.close()
      process.once('SIGTERM', closeStreams)
      process.once('SIGINT', closeStreams)
    }
  }
}
