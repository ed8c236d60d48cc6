/** The hono example against a live server and a real EventSource. */
import { start } from '../../examples/hono/server.js'
import { describeExample } from './example-suite.js'

describeExample('hono', start)
