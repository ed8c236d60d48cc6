/** The hono example against a live server and a real EventSource, and its graceful shutdown as a process. */
import { start } from '../../examples/hono/server.js'
import { describeExample } from './example-suite.js'
import { describeShutdown } from './shutdown-suite.js'

describeExample('hono', start)
describeShutdown('hono', 'examples/hono/server.ts')
