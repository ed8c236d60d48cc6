/**
 * The metrics example: `GET /metrics` in Prometheus' text format, from OpenTelemetry's Prometheus
 * exporter, counts what a real EventSource received of the services' events.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { start } from '../../examples/metrics/server.js'
import type { RunningExample } from '../../examples/shared/serve.js'
import { openStream } from './stream-client.js'

describe('metrics example', () => {
  let dir: string
  let example: RunningExample
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'durable-sse-metrics-'))
    example = await start({ port: 0, dbFile: join(dir, 'app.db') })
  })
  afterAll(async () => {
    await example?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('serves the durable_sse_* metrics at /metrics for Prometheus', async () => {
    const client = openStream(`${example.url}/api/projects/p1/events`, { token: 'alice-token' })
    try {
      await client.until((received) => received.some((event) => event.type === 'connected'))
      const reply = await fetch(`${example.url}/api/projects/p1/sessions/session-1/status`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer alice-token' },
        body: JSON.stringify({ status: 'running' }),
      })
      expect(reply.status).toBe(200)
      await client.until(() => client.events().length === 1)
      const response = await fetch(`${example.url}/metrics`)
      expect(response.status).toBe(200)
      const text = await response.text()
      expect(text).toMatch(/^durable_sse_events_published_total(\{[^}]*\})? 1$/m)
      expect(text).toMatch(/^durable_sse_events_delivered_total(\{[^}]*\})? 1$/m)
      expect(text).toMatch(/^durable_sse_connections_open(\{[^}]*\})? 1$/m)
      expect(text).toMatch(/^durable_sse_publish_duration_count(\{[^}]*\})? 1$/m)
    } finally {
      client.close()
    }
  })
})
