/**
 * Reading a small JSON body from a Node request, for the servers without a body parser.
 * @module
 */
import type { IncomingMessage } from 'node:http'

/** The request's JSON body (at most 16 KiB), or `undefined` when it is missing, too large or not JSON. */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  let text = ''
  for await (const chunk of req) {
    text += String(chunk)
    if (text.length > 16_384) return undefined
  }
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
