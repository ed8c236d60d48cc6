/**
 * A fake language model for the `durable-sse/ai` tests (no network): the AI SDK's own mock model
 * streams `tokens` text deltas (`tok0 `, `tok1 `, ...) `delayMs` apart, through `streamText` into
 * `createUIMessageStream`, the way an app's chat route does. The output is deterministic (fixed
 * message id), so a test can compute the uninterrupted stream's bytes itself.
 */
import { createUIMessageStream, JsonToSseTransformStream, streamText, type UIMessageChunk } from 'ai'
import { MockLanguageModelV3, simulateReadableStream } from 'ai/test'

/** The text of token `i`. */
export function tokenText(i: number): string {
  return `tok${i} `
}

/** A mock model that streams `tokens` tokens, `delayMs` apart. */
function fakeModel(tokens: number, delayMs: number): MockLanguageModelV3 {
  const deltas = Array.from({ length: tokens }, (_, i) => ({ type: 'text-delta' as const, id: 't1', delta: tokenText(i) }))
  return new MockLanguageModelV3({
    doStream: async () => ({
      stream: simulateReadableStream({
        initialDelayInMs: 0,
        chunkDelayInMs: delayMs,
        chunks: [
          { type: 'stream-start' as const, warnings: [] },
          { type: 'text-start' as const, id: 't1' },
          ...deltas,
          { type: 'text-end' as const, id: 't1' },
          {
            type: 'finish' as const,
            finishReason: { unified: 'stop' as const, raw: 'stop' },
            usage: {
              inputTokens: { total: 3, noCache: 3, cacheRead: 0, cacheWrite: 0 },
              outputTokens: { total: tokens, text: tokens, reasoning: 0 },
            },
          },
        ],
      }),
    }),
  })
}

/** The UI message stream of an answer of `tokens` tokens: what `useChat` reads. */
export function answerStream(messageId: string, tokens: number, delayMs: number): ReadableStream<UIMessageChunk> {
  return createUIMessageStream({
    execute: ({ writer }) => {
      writer.merge(
        streamText({ model: fakeModel(tokens, delayMs), prompt: 'hello' }).toUIMessageStream({
          generateMessageId: () => messageId,
        }),
      )
    },
  })
}

/** The same answer as SSE text (`data: {...}\n\n` per chunk, then `data: [DONE]`): what the server streams. */
export function answerSse(messageId: string, tokens: number, delayMs: number): ReadableStream<string> {
  return answerStream(messageId, tokens, delayMs).pipeThrough(new JsonToSseTransformStream())
}

/** The whole SSE text of an uninterrupted answer. */
export async function uninterruptedSse(messageId: string, tokens: number): Promise<string> {
  let text = ''
  for await (const chunk of answerSse(messageId, tokens, 0) as unknown as AsyncIterable<string>) text += chunk
  return text
}

/** The text deltas of an SSE text, in order (to check that each token arrived once). */
export function deltasOf(sse: string): string[] {
  return sse
    .split('\n\n')
    .filter((event) => event.startsWith('data: {'))
    .map((event) => JSON.parse(event.slice('data: '.length)) as { type: string; delta?: string })
    .filter((chunk) => chunk.type === 'text-delta')
    .map((chunk) => chunk.delta as string)
}
