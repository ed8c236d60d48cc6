/**
 * durable-sse/ai: resumable AI streams on your own database. The API of `resumable-stream`'s
 * `createResumableStreamContext` (`resumableStream`, `resumeExistingStream`,
 * `createNewResumableStream`, `hasExistingStream`), so the AI SDK's resume guide works as written,
 * backed by a durable-sse store instead of Redis: a resume replays from the store and follows live
 * output, also after the producer process died and after the stream finished.
 * @example
 * import { createResumableStreamContext } from 'durable-sse/ai'
 * import { postgresStore } from 'durable-sse/postgres'
 * const streamContext = createResumableStreamContext({ store: postgresStore({ connectionString }), waitUntil: after })
 * @module
 */
export {
  type CreateResumableStreamContextOptions,
  createResumableStreamContext,
  type ResumableStreamContext,
} from './context.js'
