/**
 * Compile-time tests of `durable-sse/ai` (checked by `npm run typecheck`): its context is
 * interchangeable with `resumable-stream`'s, method for method, so code written against that
 * package (the AI SDK's resume guide) compiles unchanged.
 */
import type {
  ResumableStreamContext as TheirContext,
  CreateResumableStreamContextOptions as TheirOptions,
} from 'resumable-stream/generic'
import { expectTypeOf } from 'vitest'
import { createResumableStreamContext, type ResumableStreamContext } from '../../src/ai/index.js'
import { memoryStore } from '../../src/index.js'

export function sameApi(theirs: TheirContext): void {
  const ours = createResumableStreamContext({ store: memoryStore() })
  // Ours stands wherever theirs is expected, and theirs where ours is: the same four methods.
  expectTypeOf(ours).toExtend<TheirContext>()
  expectTypeOf(theirs).toExtend<ResumableStreamContext>()
  expectTypeOf(ours.resumeExistingStream).returns.toEqualTypeOf<ReturnType<TheirContext['resumeExistingStream']>>()
  expectTypeOf(ours.resumableStream).returns.toEqualTypeOf<ReturnType<TheirContext['resumableStream']>>()
  expectTypeOf(ours.createNewResumableStream).returns.toEqualTypeOf<ReturnType<TheirContext['createNewResumableStream']>>()
  expectTypeOf(ours.hasExistingStream).returns.toEqualTypeOf<ReturnType<TheirContext['hasExistingStream']>>()
}

export function options(waitUntil: TheirOptions['waitUntil'], keyPrefix: TheirOptions['keyPrefix']): void {
  // Their `waitUntil` and `keyPrefix` are ours too; the store replaces their Redis publisher and subscriber.
  createResumableStreamContext({ store: memoryStore(), waitUntil, keyPrefix })
  // @ts-expect-error a store is required
  createResumableStreamContext({ waitUntil })
  // @ts-expect-error a stream of strings, as in resumable-stream
  void createResumableStreamContext({ store: memoryStore() }).resumableStream('id', () => new ReadableStream<Uint8Array>())
}
