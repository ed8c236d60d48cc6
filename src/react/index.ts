'use client'
export type { ConnectionStatus, Handlers } from '../client/types.js'
/**
 * durable-sse/react: `useEvents()`, a React hook over `durable-sse/client`. React is an optional
 * peer dependency; the module is a client component module (`'use client'`).
 * @example
 * import { useEvents } from 'durable-sse/react'
 * const status = useEvents<AppEvents>(`/api/projects/${id}/events`, { session_updated: (e) => update(e.payload) })
 * @module
 */
export { type UseEventsOptions, useEvents } from './use-events.js'
