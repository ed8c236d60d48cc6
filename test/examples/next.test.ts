/**
 * The Next.js example's route handlers, served by a live Node server, with a real EventSource; and
 * its shutdown in a process that stops like `next start` (`test/fixtures/next-start.ts`).
 */
import { describeExample } from './example-suite.js'
import { startNextRoutes } from './next-harness.js'
import { describeShutdown } from './shutdown-suite.js'

describeExample('next', startNextRoutes)
// One reconnect round: after `broker.close()` the browsers come back over their keep-alive sockets
// after the `retry:` hint (2 to 4 s), get "retry later" with `Connection: close`, and only then can
// `server.close()` finish (next start drops no connection itself).
describeShutdown('next (as next start stops)', 'test/fixtures/next-start.ts', { exitWithinMs: 8_000 })
