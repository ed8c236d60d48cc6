/**
 * Links loaded on first use, so an app that never asks for headers or sharing never downloads
 * the fetch transport, its parser or the tab-sharing code (bundlers put them in separate chunks).
 * @module
 */
import { ConnectionFailedError } from './errors.js'
import type { Link, OpenLink } from './link.js'

/**
 * A link that starts once `load()` resolves. Its `listen` does nothing: the lazily loaded links
 * read the stream themselves and deliver frames of every type.
 */
export function lazyLink(load: () => Promise<OpenLink>): OpenLink {
  return (options, sink) => {
    let link: Link | undefined
    let closed = false
    load().then(
      (open) => {
        if (!closed) link = open(options, sink)
      },
      (cause: unknown) => {
        if (!closed)
          sink.stopped(new ConnectionFailedError(undefined, 'could not load the transport', { retrying: false, cause }))
      },
    )
    return {
      listen() {},
      close() {
        closed = true
        link?.close()
      },
    }
  }
}
