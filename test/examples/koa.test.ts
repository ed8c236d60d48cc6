/** The koa example against a live server and a real EventSource, and its graceful shutdown as a process. */
import { start } from '../../examples/koa/server.js'
import { describeExample } from './example-suite.js'
import { describeShutdown } from './shutdown-suite.js'

describeExample('koa', start)
describeShutdown('koa', 'examples/koa/server.ts')
