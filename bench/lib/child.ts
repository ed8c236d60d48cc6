/**
 * The orchestrator's side of a benchmark process: forks a compiled (or TypeScript) script with an IPC
 * channel, sends it commands and awaits their answers (each with a timeout), and stops it.
 * @module
 */
import { type ChildProcess, fork } from 'node:child_process'
import { entryOf } from './build.js'

/** Options of {@link startChild}. */
export interface ChildOptions {
  /** Extra Node flags (e.g. `--expose-gc`, `--cpu-prof`). */
  nodeFlags?: string[]
  /** Extra environment variables. */
  env?: Record<string, string>
  /** How long the script may take to report ready, in ms. Default 30,000. */
  startTimeoutMs?: number
}

interface Pending {
  resolve: (value: unknown) => void
  reject: (error: Error) => void
  timer: ReturnType<typeof setTimeout>
}

/** A running benchmark process. */
export class Child {
  readonly name: string
  readonly pid: number
  private readonly process: ChildProcess
  private readonly pending = new Map<number, Pending>()
  private nextId = 1
  private exitError: Error | undefined
  readonly exited: Promise<number | null>

  constructor(name: string, child: ChildProcess) {
    this.name = name
    this.process = child
    this.pid = child.pid ?? -1
    child.on('message', (message: unknown) => this.onMessage(message))
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.exitError = new Error(`${name} exited (code ${code}, signal ${signal})`)
        for (const [id, waiter] of this.pending) {
          clearTimeout(waiter.timer)
          waiter.reject(this.exitError)
          this.pending.delete(id)
        }
        resolve(code)
      })
    })
  }

  /** Sends `command` with `args` and resolves with the script's answer; rejects on error, exit or timeout. */
  request<T>(command: string, args: unknown = {}, timeoutMs = 120_000): Promise<T> {
    if (this.exitError) return Promise.reject(this.exitError)
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new Error(`${this.name}: ${command} timed out after ${timeoutMs} ms`))
      }, timeoutMs)
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer })
      this.process.send({ id, command, args })
    })
  }

  /** Asks the script to exit, and kills it if it has not after `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.exitError) return
    this.process.send({ id: 0, command: 'exit', args: {} }, () => {})
    const timer = setTimeout(() => this.process.kill('SIGKILL'), graceMs)
    await this.exited
    clearTimeout(timer)
  }

  /** Kills the process at once (its sockets close with it). */
  async kill(): Promise<void> {
    if (this.exitError) return
    this.process.kill('SIGKILL')
    await this.exited
  }

  private onMessage(message: unknown): void {
    const { id, ok, result, error } = message as { id: number; ok: boolean; result?: unknown; error?: string }
    const waiter = this.pending.get(id)
    if (!waiter) return
    this.pending.delete(id)
    clearTimeout(waiter.timer)
    if (ok) waiter.resolve(result)
    else waiter.reject(new Error(`${this.name}: ${error}`))
  }
}

/** Every child still running, killed when the orchestrator exits. */
const running = new Set<Child>()
process.on('exit', () => {
  for (const child of running) {
    try {
      process.kill(child.pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
})

/** Forks `script` (a path relative to `bench/`; compiled, or under tsx) and resolves once it reports ready. */
export async function startChild(name: string, script: string, args: unknown = {}, options: ChildOptions = {}): Promise<Child> {
  const entry = entryOf(script)
  const forked = fork(entry.path, [JSON.stringify(args)], {
    execArgv: [...(entry.tsx ? ['--import', 'tsx'] : []), ...(options.nodeFlags ?? [])],
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const child = new Child(name, forked)
  running.add(child)
  void child.exited.then(() => running.delete(child))
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start`)), options.startTimeoutMs ?? 30_000)
    forked.once('message', () => {
      clearTimeout(timer)
      resolve()
    })
    void child.exited.then(() => {
      clearTimeout(timer)
      reject(new Error(`${name} exited before it was ready`))
    })
  })
  await ready
  return child
}
