/**
 * Picks the SSE server implementation for a {@link TargetConfig}.
 * @module
 */
import { betterSseTarget } from './better-sse.js'
import { oursTarget } from './ours.js'
import { rawHttpTarget } from './raw-http.js'
import { rawKeysetTarget } from './raw-keyset.js'
import { rawNetTarget } from './raw-net.js'
import type { SseTarget, TargetConfig } from './target.js'

/** Starts the configured server (not yet listening). */
export function startTarget(config: TargetConfig): Promise<SseTarget> {
  switch (config.kind) {
    case 'ours':
      return oursTarget(config)
    case 'raw-net':
      return rawNetTarget(config)
    case 'raw-http':
      return rawHttpTarget(config)
    case 'better-sse':
      return betterSseTarget(config)
    case 'raw-keyset':
      return rawKeysetTarget(config)
  }
}
