/** The Next.js example's route handlers, served by a live Node server, with a real EventSource. */
import { describeExample } from './example-suite.js'
import { startNextRoutes } from './next-harness.js'

describeExample('next', startNextRoutes)
