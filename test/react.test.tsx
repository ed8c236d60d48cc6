// @vitest-environment jsdom
import { act, cleanup, render, screen } from '@testing-library/react'
import { StrictMode } from 'react'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { EventSourceLike, MessageEventLike } from '../src/client/index.js'
import { createBroker, memoryStore } from '../src/index.js'
import { type Handlers, type UseEventsOptions, useEvents } from '../src/react/index.js'
import { httpServer } from './helpers/servers.js'
import { until } from './helpers/wait.js'

type AppEvents = {
  session_updated: { sessionId: string; status: string }
  workspace_updated: { workspaceId: string; status: string }
}

/**
 * Stands in for the browser's EventSource: the hook's contract is about React's lifecycle
 * (when connections open and close, which handler runs), which this makes countable. The
 * client over a real server is tested in client.test.ts and in Chromium.
 */
class FakeEventSource implements EventSourceLike {
  static instances: FakeEventSource[] = []
  readonly url: string
  readyState = 0
  private readonly listeners = new Map<string, ((event: MessageEventLike) => void)[]>()

  constructor(url: string) {
    this.url = url
    FakeEventSource.instances.push(this)
  }

  addEventListener(type: string, listener: (event: MessageEventLike) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener])
  }

  close(): void {
    this.readyState = 2
  }

  get closed(): boolean {
    return this.readyState === 2
  }

  /** Dispatches one frame, as the browser would, inside React's act(). */
  emit(type: string, data: string, lastEventId = ''): void {
    act(() => {
      for (const listener of this.listeners.get(type) ?? []) listener({ data, lastEventId })
    })
  }

  /** Dispatches an event frame of the wire format. */
  event(type: keyof AppEvents, id: string, payload: unknown): void {
    const data = JSON.stringify({ id, type, topic: 'p1', payload, createdAt: '2026-11-28T07:00:00.000Z' })
    this.emit(type, data, id)
  }
}

const opened = () => FakeEventSource.instances
const open = () => FakeEventSource.instances.filter((source) => !source.closed)
const last = () => FakeEventSource.instances.at(-1) as FakeEventSource

interface ProbeProps {
  url: string | null
  handlers: Handlers<AppEvents>
  options?: UseEventsOptions
}

function Probe({ url, handlers, options }: ProbeProps) {
  const status = useEvents<AppEvents>(url, handlers, { EventSource: FakeEventSource, ...options })
  return <output data-testid="status">{status}</output>
}

const status = () => screen.getByTestId('status').textContent

beforeEach(() => {
  FakeEventSource.instances = []
})
afterEach(cleanup)

describe('useEvents()', () => {
  it('opens one connection and reports its status', () => {
    const { rerender } = render(<Probe url="/events/p1" handlers={{}} />)
    expect(opened().map((source) => source.url)).toEqual(['/events/p1'])
    expect(status()).toBe('connecting')
    last().emit('connected', '{}', 'e.0')
    expect(status()).toBe('open')
    rerender(<Probe url="/events/p1" handlers={{}} />)
    expect(opened()).toHaveLength(1)
  })

  it('calls the handler of the latest render, without reconnecting', () => {
    const calls: string[] = []
    const handlersOf = (label: string): Handlers<AppEvents> => ({
      session_updated: (event) => calls.push(`${label}:${event.payload.status}`),
    })
    const { rerender } = render(<Probe url="/events/p1" handlers={handlersOf('first')} />)
    last().event('session_updated', 'e.1', { sessionId: 's1', status: 'a' })
    rerender(<Probe url="/events/p1" handlers={handlersOf('second')} />)
    last().event('session_updated', 'e.2', { sessionId: 's1', status: 'b' })
    expect(calls).toEqual(['first:a', 'second:b'])
    expect(opened()).toHaveLength(1)
    expect(last().closed).toBe(false)
  })

  it('listens to an event type whose handler appears in a later render, without reconnecting', () => {
    const workspaces: string[] = []
    const { rerender } = render(<Probe url="/events/p1" handlers={{}} />)
    rerender(<Probe url="/events/p1" handlers={{ workspace_updated: (event) => workspaces.push(event.payload.workspaceId) }} />)
    last().event('workspace_updated', 'e.1', { workspaceId: 'w1', status: 'ready' })
    expect(workspaces).toEqual(['w1'])
    expect(opened()).toHaveLength(1)
  })

  it('calls the latest onReset and onError', () => {
    const calls: string[] = []
    const optionsOf = (label: string): UseEventsOptions => ({
      onReset: (reason) => calls.push(`${label}:reset:${reason}`),
      onError: (error) => calls.push(`${label}:${error.code}`),
    })
    const handlers: Handlers<AppEvents> = { session_updated: () => calls.push('handler') }
    const { rerender } = render(<Probe url="/events/p1" handlers={handlers} options={optionsOf('first')} />)
    rerender(<Probe url="/events/p1" handlers={handlers} options={optionsOf('second')} />)
    last().emit('reset', '{"reason":"pruned"}', 'e.9')
    last().emit('session_updated', '{oops', 'e.10')
    expect(calls).toEqual(['second:reset:pruned', 'second:INVALID_EVENT_DATA'])
    expect(opened()).toHaveLength(1)
  })

  it('closes the old connection and opens one when the url changes', () => {
    const { rerender } = render(<Probe url="/events/p1" handlers={{}} />)
    last().emit('connected', '{}')
    expect(status()).toBe('open')
    rerender(<Probe url="/events/p2" handlers={{}} />)
    expect(opened().map((source) => [source.url, source.closed])).toEqual([
      ['/events/p1', true],
      ['/events/p2', false],
    ])
    expect(status()).toBe('connecting')
    last().emit('connected', '{}')
    expect(status()).toBe('open')
  })

  it('does not call handlers of a closed connection', () => {
    const calls: string[] = []
    const handlers: Handlers<AppEvents> = { session_updated: (event) => calls.push(event.id) }
    const { rerender } = render(<Probe url="/events/p1" handlers={handlers} />)
    const first = last()
    rerender(<Probe url="/events/p2" handlers={handlers} />)
    first.event('session_updated', 'old.1', { sessionId: 's1', status: 'x' })
    last().event('session_updated', 'new.1', { sessionId: 's1', status: 'y' })
    expect(calls).toEqual(['new.1'])
  })

  it('closes on unmount', () => {
    const { unmount } = render(<Probe url="/events/p1" handlers={{}} />)
    expect(open()).toHaveLength(1)
    unmount()
    expect(opened()).toHaveLength(1)
    expect(open()).toHaveLength(0)
  })

  it('opens nothing for a null url, and connects once a url is given', () => {
    const { rerender } = render(<Probe url={null} handlers={{}} />)
    expect(opened()).toHaveLength(0)
    expect(status()).toBe('closed')
    rerender(<Probe url="/events/p1" handlers={{}} />)
    expect(open()).toHaveLength(1)
    rerender(<Probe url={null} handlers={{}} />)
    expect(open()).toHaveLength(0)
    expect(status()).toBe('closed')
  })

  it('keeps exactly one connection open under StrictMode', () => {
    const calls: string[] = []
    render(
      <StrictMode>
        <Probe url="/events/p1" handlers={{ session_updated: (event) => calls.push(event.id) }} />
      </StrictMode>,
    )
    expect(open()).toHaveLength(1)
    for (const source of opened()) source.event('session_updated', 'e.1', { sessionId: 's1', status: 'x' })
    expect(calls).toEqual(['e.1'])
  })
})

describe('useEvents() options', () => {
  it('hands onReset the reset detail too', () => {
    const resets: unknown[] = []
    render(<Probe url="/events/p1" handlers={{}} options={{ onReset: (reason, reset) => resets.push([reason, reset]) }} />)
    last().emit('reset', '{"reason":"pruned","topic":"project-1"}', 'e.3')
    expect(resets).toEqual([['pruned', { reason: 'pruned', topic: 'project-1' }]])
  })
})

/** The hook without an injected EventSource: `headers` choose the fetch transport, against a real server. */
function LiveProbe({ url, options }: { url: string; options: UseEventsOptions }) {
  const status = useEvents<AppEvents>(url, {}, options)
  return <output data-testid="status">{status}</output>
}

describe('useEvents() with headers, against a real server', () => {
  it("sends the latest render's headers on the next reconnect, without reconnecting when they change", async () => {
    const broker = createBroker<AppEvents>(memoryStore(), { retryMs: 20, heartbeatMs: 0 })
    const authorizations: (string | undefined)[] = []
    const server = await httpServer((req, res) =>
      broker.handle(req, res, {
        topic: 'p1',
        authorize: ({ req: request }) => {
          authorizations.push(request?.headers.authorization)
          return true
        },
      }),
    )
    try {
      const options = (token: string): UseEventsOptions => ({ headers: { Authorization: `Bearer ${token}` }, backoffMs: 10 })
      const { rerender } = render(<LiveProbe url={server.url} options={options('one')} />)
      await until(() => status() === 'open', 5_000, 'open')
      rerender(<LiveProbe url={server.url} options={options('two')} />)
      expect(authorizations).toEqual(['Bearer one'])
      server.server.closeAllConnections()
      await until(() => authorizations.length === 2 && status() === 'open', 5_000, 'open again')
      expect(authorizations).toEqual(['Bearer one', 'Bearer two'])
    } finally {
      cleanup()
      await broker.close()
      await server.close()
    }
  })
})
