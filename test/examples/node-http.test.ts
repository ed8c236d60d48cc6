/** The node-http example against a live server and a real EventSource. */
import { start } from '../../examples/node-http/server.js'
import { describeExample } from './example-suite.js'

describeExample('node-http', start)
