/** The koa example against a live server and a real EventSource. */
import { start } from '../../examples/koa/server.js'
import { describeExample } from './example-suite.js'

describeExample('koa', start)
