/**
 * `durable-sse/ai` under the AI SDK (`ai` 6): the resume guide's two routes on a real HTTP server,
 * read by the AI SDK's own client side (`DefaultChatTransport`, the transport `useChat` uses, and
 * `readUIMessageStream`, which builds the message `useChat` shows). A dropped connection, a
 * producer process SIGKILLed mid-answer, and a reload after the answer finished: every chunk
 * arrives once, and the bytes are those of the uninterrupted stream. Registered for one store.
 */
import { DefaultChatTransport, readUIMessageStream, type UIMessage, type UIMessageChunk } from 'ai'
import { expect, it } from 'vitest'
import { createResumableStreamContext } from '../../src/ai/index.js'
import type { EventStore } from '../../src/index.js'
import { until } from '../helpers/wait.js'
import { startFixture, stopFixture } from '../postgres/helpers/child.js'
import { chatServer } from './chat-server.js'
import { deltasOf, tokenText, uninterruptedSse } from './fake-model.js'
import { within } from './streams.js'
import { TestChat } from './test-chat.js'

/** How a child process opens the same store (see `fixtures/producer.ts`). */
export type StoreSpec = { kind: 'sqlite'; filename: string } | { kind: 'postgres'; url: string; schema: string }

/** What the cases need: the current test's store, how a child process opens it, and a cleanup registry. */
export interface AiSdkCasesSetup {
  store(): Promise<EventStore>
  spec(): StoreSpec
  defer(cleanup: () => unknown): void
}

const user: UIMessage = { id: 'u1', role: 'user', parts: [{ type: 'text', text: 'hello' }] }
let chats = 0

/** The final message `useChat` would show for a stream of UI message chunks. */
async function finalMessage(stream: ReadableStream<UIMessageChunk>): Promise<UIMessage | undefined> {
  let last: UIMessage | undefined
  for await (const message of readUIMessageStream({ stream })) last = message
  return last
}

/** The text of a message's text parts. */
function textOf(message: UIMessage | undefined): string {
  return (message?.parts ?? []).map((part) => (part.type === 'text' ? part.text : '')).join('')
}

/** Tokens 0..count-1, as the answer's text. */
function tokens(count: number): string {
  return Array.from({ length: count }, (_, i) => tokenText(i)).join('')
}

/** Reads a response body as text, calling `progress` with the text so far after each read. */
async function readText(response: Response, progress: (text: string) => void = () => {}): Promise<string> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader()
  const decoder = new TextDecoder()
  let text = ''
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return text + decoder.decode()
    text += decoder.decode(value, { stream: true })
    progress(text)
  }
}

/** Registers the cases. */
export function aiSdkCases(setup: AiSdkCasesSetup): void {
  const open = async (answers: { tokens: number; delayMs: number }, timing = {}) => {
    const context = createResumableStreamContext({ store: await setup.store(), ...timing })
    const server = await chatServer(context, answers)
    setup.defer(() => server.close())
    return { context, server, transport: new DefaultChatTransport({ api: server.api }) }
  }

  it('a dropped connection: useChat’s transport resumes the answer while it is produced, every chunk once, bytes identical', async () => {
    const count = 300
    const { context, server, transport } = await open({ tokens: count, delayMs: 5 })
    const chatId = `chat-${process.pid}-${++chats}`
    const dropped = new AbortController()
    const sent = await transport.sendMessages({
      trigger: 'submit-message',
      chatId,
      messageId: undefined,
      messages: [user],
      abortSignal: dropped.signal,
    })
    const reader = sent.getReader()
    let deltasBeforeDrop = 0
    while (deltasBeforeDrop < 10) if ((await reader.read()).value?.type === 'text-delta') deltasBeforeDrop++
    dropped.abort() // the browser lost the connection (or the tab reloaded)
    await reader.cancel().catch(() => {})

    expect(await context.hasExistingStream(chatId)).toBe(true) // still being produced
    const resumed = await transport.reconnectToStream({ chatId })
    expect(resumed).not.toBe(null)
    const message = await within(finalMessage(resumed as ReadableStream<UIMessageChunk>), 20_000, 'the resumed answer')
    expect(message?.id).toBe(`answer-${chatId}`)
    expect(textOf(message)).toBe(tokens(count))

    const uninterrupted = await uninterruptedSse(`answer-${chatId}`, count)
    expect(await server.produced.get(chatId)).toBe(uninterrupted)
    const replay = await readText(await fetch(`${server.api}/${chatId}/stream`))
    expect(replay).toBe(uninterrupted)
    expect(deltasOf(replay)).toEqual(Array.from({ length: count }, (_, i) => tokenText(i)))
  })

  it('useChat’s Chat: stop() mid-answer is a disconnect; resumeStream() rebuilds the answer once, in that chat and after a reload', async () => {
    const count = 300
    const { server } = await open({ tokens: count, delayMs: 5 })
    const chatId = `chat-${process.pid}-${++chats}`
    const chat = new TestChat({ id: chatId, transport: new DefaultChatTransport({ api: server.api }) })
    const sending = chat.sendMessage({ text: 'hello' })
    await until(() => textOf(chat.lastMessage).length >= tokens(10).length, 10_000, 'the first tokens in the chat')
    await chat.stop() // with resumable streams, a disconnect: the answer goes on being produced
    await sending
    const partial = textOf(chat.lastMessage)
    expect(partial.length).toBeLessThan(tokens(count).length)
    expect(tokens(count).startsWith(partial)).toBe(true)

    await within(chat.resumeStream(), 20_000, 'the resume in the same chat')
    expect(chat.messages.map((message) => message.role)).toEqual(['user', 'assistant'])
    expect(chat.lastMessage?.id).toBe(`answer-${chatId}`)
    expect(textOf(chat.lastMessage)).toBe(tokens(count)) // the replay replaced the partial message: no token twice
    expect(chat.status).toBe('ready')

    // A reload: a new chat with the persisted history (the user's message), resumed on mount.
    const reloaded = new TestChat({
      id: chatId,
      messages: [chat.messages[0] as UIMessage],
      transport: new DefaultChatTransport({ api: server.api }),
    })
    await within(reloaded.resumeStream(), 20_000, 'the resume after a reload')
    expect(reloaded.messages).toEqual(chat.messages)
  })

  it('a reload after the answer finished: the resume replays it whole; a chat without a stream answers 204', async () => {
    const count = 50
    const { context, server, transport } = await open({ tokens: count, delayMs: 0 })
    const chatId = `chat-${process.pid}-${++chats}`
    const sent = await transport.sendMessages({
      trigger: 'submit-message',
      chatId,
      messageId: undefined,
      messages: [user],
      abortSignal: undefined,
    })
    const live = await finalMessage(sent)
    expect(textOf(live)).toBe(tokens(count))
    await server.produced.get(chatId)
    await until(async () => (await context.hasExistingStream(chatId)) === 'DONE', 5_000, 'the stream to be done')

    const resumed = await transport.reconnectToStream({ chatId })
    expect(await finalMessage(resumed as ReadableStream<UIMessageChunk>)).toEqual(live)
    expect(await readText(await fetch(`${server.api}/${chatId}/stream`))).toBe(await uninterruptedSse(`answer-${chatId}`, count))
    expect(await transport.reconnectToStream({ chatId: 'no-such-chat' })).toBe(null)
  })

  it('the producer process is SIGKILLed mid-answer: resumers in another process get every stored chunk once, then an end', async () => {
    const count = 2_000
    const timing = { heartbeatMs: 200, producerTimeoutMs: 1_500 }
    const { context, server, transport } = await open({ tokens: count, delayMs: 10 }, timing)
    const chatId = `chat-${process.pid}-${++chats}`
    const producer = startFixture('../../ai/fixtures/producer', {
      STORE: JSON.stringify(setup.spec()),
      STREAM_ID: chatId,
      TOKENS: String(count),
      DELAY_MS: '10',
      HEARTBEAT_MS: String(timing.heartbeatMs),
      PRODUCER_TIMEOUT_MS: String(timing.producerTimeoutMs),
    })
    setup.defer(() => stopFixture(producer))
    await producer.message((m) => m.kind === 'started', 'the producer to start')

    // A resumer following the answer live, in this process, when the producer dies.
    let killed: Promise<unknown> | undefined
    const following = fetch(`${server.api}/${chatId}/stream`).then((response) =>
      readText(response, (text) => {
        if (!killed && deltasOf(text).length >= 20) {
          producer.process.kill('SIGKILL')
          killed = producer.exited
        }
      }),
    )
    const followed = await within(following, 20_000, 'the live resumer to end after the producer died')
    expect((await producer.exited).signal).toBe('SIGKILL')

    const uninterrupted = await uninterruptedSse(`answer-${chatId}`, count)
    const stored = deltasOf(followed)
    expect(stored.length).toBeGreaterThanOrEqual(20)
    expect(stored.length).toBeLessThan(count)
    expect(stored).toEqual(Array.from({ length: stored.length }, (_, i) => tokenText(i)))
    expect(uninterrupted.startsWith(followed)).toBe(true)
    const reported = producer.messages.filter((m) => m.kind === 'chunk').map((m) => m.text as string)
    expect(uninterrupted.startsWith(reported.join(''))).toBe(true)

    // Later resumers: the resumer marked the stream abandoned, so they replay the same bytes and end at once.
    expect(await context.hasExistingStream(chatId)).toBe('DONE')
    const replay = await within(readText(await fetch(`${server.api}/${chatId}/stream`)), 5_000, 'a replay of the dead stream')
    expect(replay).toBe(followed)
    const resumed = await transport.reconnectToStream({ chatId })
    expect(textOf(await finalMessage(resumed as ReadableStream<UIMessageChunk>))).toBe(stored.join(''))
  })
}
