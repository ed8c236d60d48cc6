/** The express example against a live server and a real EventSource. */
import { start } from '../../examples/express/server.js'
import { describeExample } from './example-suite.js'

describeExample('express', start)
