/** The express example against a live server and a real EventSource, and its graceful shutdown as a process. */
import { start } from '../../examples/express/server.js'
import { describeExample } from './example-suite.js'
import { describeShutdown } from './shutdown-suite.js'

describeExample('express', start)
describeShutdown('express', 'examples/express/server.ts')
