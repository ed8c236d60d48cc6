/**
 * A broker on a memory store behind the test pages' server, and one Chromium profile for those
 * pages: the setup of the client's browser tests that need no database.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { BrowserContext } from 'playwright-core'
import { type Broker, type BrokerOptions, createBroker, type EventMap, memoryStore } from '../../../src/index.js'
import { launchChromium } from './chromium.js'
import { type PagesServer, servePages } from './pages.js'

/** The running parts; `close()` stops them all. */
export interface MemoryApp<Events extends EventMap> {
  broker: Broker<Events>
  server: PagesServer
  context: BrowserContext
  close(): Promise<void>
}

/** Starts the broker (with `options`), the pages' server (other requests go to `route`) and Chromium. */
export async function startMemoryApp<Events extends EventMap>(
  options: BrokerOptions,
  route: (broker: Broker<Events>, req: IncomingMessage, res: ServerResponse) => unknown,
): Promise<MemoryApp<Events>> {
  const store = memoryStore()
  const broker = createBroker<Events>(store, options)
  const server = await servePages((req, res) => route(broker, req, res))
  const context = await launchChromium(server.dir)
  return {
    broker,
    server,
    context,
    async close() {
      await context.close()
      await broker.close()
      await server.close()
      await store.close()
    },
  }
}
