/**
 * A TCP proxy in front of the Postgres server (or, relaying plain bytes, another server such as
 * MySQL) that reproduces network faults without touching the shared server. Plain (non-TLS)
 * protocol only.
 *
 * - A server restart: `cut()` ends every open connection the way a restart does (half of them with
 *   Postgres' own `FATAL 57P01 terminating connection due to administrator command` and a FIN, the
 *   other half with a TCP reset, ECONNRESET at the client) and stops listening, so new connections
 *   get ECONNREFUSED until `restore()`. Each cut connection's server side is closed too, so its
 *   backend ends and rolls back whatever transaction it had open.
 * - A partition (a host that dies without a RST, a NAT that forgets the connection, a failover to
 *   a new address): `blackhole()` stops relaying on every connection it holds, in both directions,
 *   and sends nothing (no FIN, no RST: the client's kernel keeps acknowledging into the proxy's
 *   buffers, so only a deadline in the client notices); new connections are accepted and held
 *   the same way until `heal()`, after which new connections work again. Held connections stay
 *   silent for good, as a forgotten NAT entry does; their server sides stay open too, so a
 *   backend inside a transaction keeps it (and its locks) until the server notices on its own.
 * - A failover behind one address (a virtual IP or DNS name moved to the promoted standby):
 *   `retarget(port)` relays new connections to another server; open ones stay where they are.
 */
import net from 'node:net'

/** A running proxy. */
export interface TcpProxy {
  /** The local port it listens on (the same after `restore()`). */
  readonly port: number
  /** `url` with its host and port replaced by the proxy's. */
  url(url: string): string
  /** Connections open through it right now. */
  readonly open: number
  /** Cuts every open connection and refuses new ones until `restore()`; returns how many it cut. */
  cut(): number
  /** Accepts connections again. */
  restore(): Promise<void>
  /** Silences every open connection for good, and every new one until `heal()`; returns how many it silenced. */
  blackhole(): number
  /** Relays new connections again (the silenced ones stay silent). */
  heal(): void
  /** Relays new connections to the server on `port` (same host) from now on. */
  retarget(port: number): void
  /** Cuts everything and stops for good. */
  close(): Promise<void>
}

/** The server's FATAL 57P01 ErrorResponse, byte for byte what a restarting Postgres sends its clients. */
function terminationMessage(): Buffer {
  const fields = Buffer.concat([
    ...[
      ['S', 'FATAL'],
      ['V', 'FATAL'],
      ['C', '57P01'],
      ['M', 'terminating connection due to administrator command'],
    ].map(([code, value]) => Buffer.from(`${code}${value}\0`)),
    Buffer.from([0]),
  ])
  const header = Buffer.alloc(5)
  header.write('E', 0)
  header.writeUInt32BE(4 + fields.length, 1)
  return Buffer.concat([header, fields])
}

/** The length of the complete protocol messages at the start of `buffer` (type byte + int32 length each). */
function completeMessages(buffer: Buffer): number {
  let end = 0
  while (buffer.length - end >= 5) {
    const next = end + 1 + buffer.readUInt32BE(end + 1)
    if (next > buffer.length) break
    end = next
  }
  return end
}

interface Pair {
  /** Ends the pair the way a restart does; `gracefully` sends 57P01 and a FIN, otherwise a reset. */
  cut(gracefully: boolean): void
  /** Stops relaying in both directions, sending nothing to either side, for good. */
  silence(): void
}

/**
 * Relays one client connection. Server bytes go to the client in whole protocol messages, so a
 * 57P01 injected at a cut is never spliced into the middle of another message. When either side
 * goes away by itself, the other is closed too, unless the pair is silenced: across a partition
 * neither side hears of the other's close (until `cut()`).
 */
function relay(inbound: net.Socket, target: ProxyTarget, onClose: () => void): Pair {
  const outbound = net.connect(target.port, target.host)
  let partial = Buffer.alloc(0)
  let done = false
  const finish = (): void => {
    if (done) return
    done = true
    onClose()
  }
  for (const socket of [inbound, outbound]) {
    socket.setNoDelay(true)
    socket.on('error', () => {}) // each side's failure is handled by its 'close'
  }
  let silent = false
  inbound.on('close', () => {
    if (silent) return
    outbound.destroy()
    finish()
  })
  outbound.on('close', () => {
    if (!done && !silent) inbound.end()
  })
  inbound.on('data', (chunk) => {
    if (!silent) outbound.write(chunk)
  })
  outbound.on('data', (chunk) => {
    if (silent) return
    if (target.protocol === 'bytes') return void inbound.write(chunk)
    partial = partial.length === 0 ? chunk : Buffer.concat([partial, chunk])
    const end = completeMessages(partial)
    if (end === 0) return
    inbound.write(partial.subarray(0, end))
    partial = partial.subarray(end)
  })
  return {
    cut(gracefully) {
      if (done) return
      finish()
      outbound.destroy()
      if (!gracefully || silent || target.protocol === 'bytes') return void inbound.resetAndDestroy()
      inbound.end(terminationMessage())
      setTimeout(() => inbound.destroy(), 1_000).unref() // a client that never closes its side
    },
    silence() {
      silent = true
      // Paused sockets stop reading: what either side sends piles up in the kernels' buffers, unanswered.
      inbound.pause()
      outbound.pause()
    },
  }
}

/** Where a proxy relays to, and how: Postgres messages (whole messages to the client; a cut can send 57P01), or plain bytes (any other server, e.g. MySQL). */
export interface ProxyTarget {
  /** The server's host. */
  host: string
  /** The server's port. */
  port: number
  /** `'postgres'` (default) or `'bytes'`: relayed as they come, and a cut is always a reset. */
  protocol?: 'postgres' | 'bytes'
}

/** Starts a proxy to `target` (default: the local Postgres server) on a free local port. */
export async function startTcpProxy(initial: ProxyTarget = { host: '127.0.0.1', port: 5432 }): Promise<TcpProxy> {
  let target = initial
  const pairs = new Set<Pair>()
  let partitioned = false
  const server = net.createServer((inbound) => {
    const pair = relay(inbound, target, () => pairs.delete(pair))
    pairs.add(pair)
    if (partitioned) pair.silence()
  })
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject)
        resolve()
      })
    })
  await listen(0)
  const port = (server.address() as net.AddressInfo).port
  const cutAll = (): number => {
    let n = 0
    for (const pair of [...pairs]) pair.cut(n++ % 2 === 0)
    return n
  }

  return {
    port,
    url(url) {
      const parsed = new URL(url)
      parsed.hostname = '127.0.0.1'
      parsed.port = String(port)
      return parsed.toString()
    },
    get open() {
      return pairs.size
    },
    cut() {
      server.close() // new connections: ECONNREFUSED
      return cutAll()
    },
    async restore() {
      if (!server.listening) await listen(port)
    },
    blackhole() {
      partitioned = true
      for (const pair of pairs) pair.silence()
      return pairs.size
    },
    heal() {
      partitioned = false
    },
    retarget(port) {
      target = { ...target, port }
    },
    async close() {
      server.close()
      cutAll()
    },
  }
}
