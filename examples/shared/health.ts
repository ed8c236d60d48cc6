/**
 * `GET /healthz` for a load balancer's readiness probe: `broker.health()` as JSON, 200 when ok and
 * 503 when not (a store failing, a stalled poller, a wake-up path down without a fallback).
 * @module
 */
import type { Broker, BrokerHealth } from '../../src/index.js'

/** The path every example serves its health at. */
export const HEALTH_PATH = '/healthz'

/** The reply to a health probe. */
export function healthReply(broker: Broker<any>): { status: 200 | 503; body: BrokerHealth } {
  const body = broker.health()
  return { status: body.ok ? 200 : 503, body }
}
