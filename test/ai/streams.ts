/** Streams of strings for the `durable-sse/ai` tests: a source the test writes to, and readers with time limits. */

/** A source stream the test writes to, closes or fails. */
export interface Source {
  stream: ReadableStream<string>
  write(chunk: string): void
  close(): void
  fail(error: Error): void
}

/** A source stream driven by the test (chunks written before anyone reads are kept). */
export function source(): Source {
  let controller!: ReadableStreamDefaultController<string>
  const stream = new ReadableStream<string>({
    start: (c) => {
      controller = c
    },
  })
  return {
    stream,
    write: (chunk) => controller.enqueue(chunk),
    close: () => controller.close(),
    fail: (error) => controller.error(error),
  }
}

/** Rejects after `timeoutMs` unless `promise` settles first. */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms: ${what}`)), timeoutMs)
  })
  return Promise.race([promise, late]).finally(() => clearTimeout(timer))
}

/** Reads a stream to its end and returns its text; fails if it has not ended within `timeoutMs`. */
export async function readAll(stream: ReadableStream<string> | null | undefined, timeoutMs = 10_000): Promise<string> {
  if (!stream) throw new Error(`expected a stream, got ${stream}`)
  const reader = stream.getReader()
  let text = ''
  const read = async () => {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return text
      text += value
    }
  }
  return within(read(), timeoutMs, `the stream to end (read so far: ${JSON.stringify(text.slice(-80))})`)
}

/** Reads from `reader` until the text read has at least `length` characters. */
export async function readAtLeast(
  reader: ReadableStreamDefaultReader<string>,
  length: number,
  timeoutMs = 10_000,
): Promise<string> {
  let text = ''
  const read = async () => {
    while (text.length < length) {
      const { done, value } = await reader.read()
      if (done) throw new Error(`the stream ended after ${text.length} of ${length} characters`)
      text += value
    }
    return text
  }
  return within(read(), timeoutMs, `${length} characters`)
}
