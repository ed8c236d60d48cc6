/**
 * Compile-time tests of `broker.handle()` and `broker.handler()`, checked by `tsc --noEmit -p .`
 * (`npm run typecheck`): each `@ts-expect-error` line must fail to compile, or tsc reports the
 * directive as unused. The web form's context is typed without annotations (Next.js 15+ passes
 * `params` as a Promise), and what the made handler returns is what the framework expects: the
 * signature Next.js 16 checks route handlers against at `next build`, a Node request listener,
 * an Express handler, an HTTP/2 compatibility listener.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createSecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2'
import express from 'express'
import { expectTypeOf } from 'vitest'
import { createBroker, memoryStore, type RouteHandlerContext } from '../../src/index.js'

const broker = createBroker(memoryStore())

/**
 * Next.js's `NextRequest`: a web `Request` with more. Declared here rather than imported from
 * `next/server`, whose global declarations (a read-only `process.env.NODE_ENV`, ...) would apply
 * to the whole program.
 */
interface NextRequest extends Request {
  /** The parsed URL. */
  nextUrl: URL
}

/**
 * What Next.js 16 generates for `app/api/projects/[id]/events/route.ts` and checks a `GET` export
 * against at `next build` (`RouteHandlerConfig` in `.next/types/validator.ts`).
 */
type NextRouteHandler<Params> = (
  request: NextRequest,
  context: { params: Promise<Params> },
) => Promise<Response | undefined> | Response | undefined

export function webForm(): void {
  // The README's Next.js form, unannotated.
  const GET = broker.handler({
    topic: async (request, { params }) => {
      expectTypeOf(request).toEqualTypeOf<Request>()
      expectTypeOf(params).toEqualTypeOf<Promise<Record<string, string>>>()
      return (await params).id
    },
  })
  expectTypeOf(GET).toEqualTypeOf<(request: Request, context: RouteHandlerContext) => Promise<Response>>()
  const checkedByNext: NextRouteHandler<{ id: string }> = GET
  void checkedByNext

  broker.handler({
    // @ts-expect-error params is a Promise: its segments are read after `await`
    topic: (_request, { params }) => params.id,
  })
  broker.handler({
    // @ts-expect-error a web Request has no `params` (the context has)
    topic: (request) => request.params.id,
  })
  broker.handler({
    // @ts-expect-error a topic is a string
    topic: async (_request, { params }) => Number((await params).id),
  })
  broker.handler({
    topics: async (_request, { params }) => [`project-${(await params).id}`, 'announcements'],
  })

  // A catch-all segment (`[...slug]`) is a string[]: annotate Params.
  const catchAll = broker.handler({
    topic: async (_request, { params }: RouteHandlerContext<{ slug: string[] }>) => (await params).slug.join('/'),
  })
  const catchAllCheckedByNext: NextRouteHandler<{ slug: string[] }> = catchAll
  void catchAllCheckedByNext
  // @ts-expect-error a handler typed for string segments cannot serve a catch-all route (next build rejects it)
  const wrongRoute: NextRouteHandler<{ slug: string[] }> = GET
  void wrongRoute
}

export function nodeForm(): void {
  const events = broker.handler({
    topic: (req: IncomingMessage, res: ServerResponse) => {
      res.setHeader('X-Stream', 'project')
      return new URL(req.url ?? '/', 'http://localhost').searchParams.get('project') ?? undefined
    },
  })
  expectTypeOf(events).toEqualTypeOf<(req: IncomingMessage, res: ServerResponse) => Promise<undefined>>()
  createServer(events)

  const express5 = broker.handler({ topic: (req: express.Request) => `project-${req.params.id}` })
  expectTypeOf(express5).returns.resolves.toEqualTypeOf<undefined>()
  express().get('/api/projects/:id/events', express5)

  // An unannotated callback is typed for the web: annotate it for Node.
  // @ts-expect-error a web handler is no Node request listener
  createServer(broker.handler({ topic: (request) => new URL(request.url).pathname }))

  createServer((req, res) => broker.handle(req, res, { topic: 'p1' }))
  // @ts-expect-error handle() takes a Node request, not a web one
  void broker.handle(new Request('http://localhost/'), {} as ServerResponse, { topic: 'p1' })
}

export function http2Form(): void {
  createSecureServer({}, (req, res) => {
    expectTypeOf(req).toEqualTypeOf<Http2ServerRequest>()
    return broker.handle(req, res, {
      topic: 'p1',
      authorize: ({ req: request }) => {
        expectTypeOf(request).toEqualTypeOf<IncomingMessage | Http2ServerRequest | undefined>()
        return request?.headers.authorization !== undefined
      },
    })
  })
  const events = broker.handler({ topic: (req: Http2ServerRequest, _res: Http2ServerResponse) => req.url })
  expectTypeOf(events).returns.resolves.toEqualTypeOf<undefined>()
  createSecureServer({}, events)
}
