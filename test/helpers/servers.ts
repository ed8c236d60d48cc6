/** Real HTTP servers on free ports for tests. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A listening server and its base URL. */
export interface Running {
  url: string
  server: Server
  close(): Promise<void>
}

/** Starts `server` on a free loopback port. */
export async function listen(server: Server): Promise<Running> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** A plain node:http server running `handler`. */
export function httpServer(handler: (req: IncomingMessage, res: ServerResponse) => unknown): Promise<Running> {
  return listen(createServer((req, res) => void handler(req, res)))
}

/** A loopback port that was free a moment ago, for a server started by another program (or on a fixed port across restarts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })
}
