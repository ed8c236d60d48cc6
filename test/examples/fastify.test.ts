/** The fastify example against a live server and a real EventSource. */
import { start } from '../../examples/fastify/server.js'
import { describeExample } from './example-suite.js'

describeExample('fastify', start)
