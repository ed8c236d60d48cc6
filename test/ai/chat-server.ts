/**
 * The two route handlers of the AI SDK's "resume streams" guide, written as web handlers (as in
 * Next.js) on a real HTTP server, with `durable-sse/ai` in place of `resumable-stream`:
 * - `POST /api/chat` answers with the fake model's UI message stream and, in `consumeSseStream`,
 *   makes it resumable under the chat's id (one answer per chat in these tests);
 * - `GET /api/chat/:id/stream` resumes it: 204 when there is none, else the stream.
 */
import { createServer } from 'node:http'
import { getRequestListener } from '@hono/node-server'
import { createUIMessageStreamResponse, UI_MESSAGE_STREAM_HEADERS } from 'ai'
import type { ResumableStreamContext } from '../../src/ai/index.js'
import { listen, type Running } from '../helpers/servers.js'
import { answerStream } from './fake-model.js'
import { readAll } from './streams.js'

/** A running chat server. */
export interface ChatServer extends Running {
  /** `POST /api/chat`'s endpoint, for `DefaultChatTransport({ api })`. */
  api: string
  /** What the producer's own copy of each chat's stream contained, once it ended (the uninterrupted bytes). */
  produced: Map<string, Promise<string>>
}

/** Answer settings of the fake model. */
export interface Answers {
  /** Tokens per answer. */
  tokens: number
  /** Delay between tokens, in ms. */
  delayMs: number
}

/** Starts the chat server on `context`. */
export async function chatServer(context: ResumableStreamContext, answers: Answers): Promise<ChatServer> {
  const produced = new Map<string, Promise<string>>()

  const post = async (request: Request) => {
    const { id } = (await request.json()) as { id: string }
    return createUIMessageStreamResponse({
      stream: answerStream(`answer-${id}`, answers.tokens, answers.delayMs),
      async consumeSseStream({ stream }) {
        const copy = await context.createNewResumableStream(id, () => stream)
        produced.set(id, readAll(copy, 60_000))
      },
    })
  }

  const resume = async (id: string) => {
    const stream = await context.resumeExistingStream(id)
    if (!stream) return new Response(null, { status: 204 })
    return new Response(stream.pipeThrough(new TextEncoderStream()), { headers: UI_MESSAGE_STREAM_HEADERS })
  }

  const handle = async (request: Request) => {
    const { pathname } = new URL(request.url)
    if (request.method === 'POST' && pathname === '/api/chat') return post(request)
    const match = /^\/api\/chat\/([^/]+)\/stream$/.exec(pathname)
    if (request.method === 'GET' && match) return resume(decodeURIComponent(match[1] as string))
    return new Response('not found', { status: 404 })
  }

  const running = await listen(createServer(getRequestListener(handle)))
  return { ...running, api: `${running.url}/api/chat`, produced }
}
