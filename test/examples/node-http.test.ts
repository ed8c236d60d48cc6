/** The node-http example against a live server and a real EventSource, and its graceful shutdown as a process. */
import { start } from '../../examples/node-http/server.js'
import { describeExample } from './example-suite.js'
import { describeShutdown } from './shutdown-suite.js'

describeExample('node-http', start)
describeShutdown('node-http', 'examples/node-http/server.ts')
