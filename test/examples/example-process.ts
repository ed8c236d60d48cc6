/**
 * An example server run as its own process, the way an operator runs it (`node --import tsx
 * examples/<framework>/server.ts`), so SIGTERM, its exit and a restart on the same port are real.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'

/** A running example process. */
export interface ExampleProcess {
  /** Its base URL, as it printed it (`listening on <url>`). */
  url: string
  /** Its port. */
  port: number
  /** Everything it printed so far (stdout and stderr). */
  output(): string
  /** Sends SIGTERM and resolves once it has exited: its exit code and how long that took, in ms. */
  terminate(): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>
  /** SIGKILLs it if it still runs (test cleanup). */
  kill(): Promise<void>
}

/** Starts `file` with `env` (on top of this process's) and resolves once it printed its URL. */
export async function startExampleProcess(file: string, env: Record<string, string>): Promise<ExampleProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', file], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stderr?.on('data', (chunk) => {
    output += String(chunk)
  })
  const running = () => child.exitCode === null && child.signalCode === null
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk) => {
      output += String(chunk)
      const match = /listening on (http:\/\/\S+)/.exec(output)
      if (match) resolve(match[1] as string)
    })
    child.once('exit', (code, signal) => reject(new Error(`${file} exited (${code ?? signal}) before listening:\n${output}`)))
  })
  return {
    url,
    port: Number(new URL(url).port),
    output: () => output,
    async terminate() {
      const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
      const sent = performance.now()
      child.kill('SIGTERM')
      const [code, signal] = await exited
      return { code, signal, ms: Math.round(performance.now() - sent) }
    },
    async kill() {
      if (!running()) return
      const exited = once(child, 'exit')
      child.kill('SIGKILL')
      await exited
    },
  }
}
