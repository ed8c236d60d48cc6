/**
 * A NATS server of the benchmark's own on a free loopback port (the tests' `startBusServer`, so
 * one piece of code starts and stops one), for the scenarios where the bus carries the events;
 * never a shared server.
 * @module
 */
import { startBusServer } from '../../test/helpers/bus-servers.js'

/** A running NATS server. */
export interface NatsServer {
  /** `nats://127.0.0.1:<port>`. */
  url: string
  /** Stops it. */
  stop(): Promise<void>
}

/** Starts `nats-server` on a free port; resolves once it takes connections. */
export async function startNatsServer(): Promise<NatsServer> {
  const server = await startBusServer('nats')
  return { url: server.url, stop: () => server.stop() }
}
