/** The fastify example against a live server and a real EventSource, and its graceful shutdown as a process. */
import { start } from '../../examples/fastify/server.js'
import { describeExample } from './example-suite.js'
import { describeShutdown } from './shutdown-suite.js'

describeExample('fastify', start)
describeShutdown('fastify', 'examples/fastify/server.ts')
