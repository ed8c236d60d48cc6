/**
 * Fixture processes for the Postgres broker tests (`node --import tsx test/postgres/fixtures/NAME.ts`)
 * and other tests that run a server in a child process (`startScript`),
 * talking JSON lines (stdout to the parent, stdin to the child). Waiting is event-driven: a
 * promise resolves on the matching message and rejects early if the child exits first.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../..', import.meta.url))

/** One message from a fixture. */
export type Message = { kind: string } & Record<string, unknown>

/** A running fixture. */
export interface Fixture {
  /** Every message received so far, in order. */
  readonly messages: Message[]
  /** The OS process. */
  readonly process: ChildProcess
  /** Resolves with the first message (past or future) matching `predicate`. */
  message(predicate: (message: Message) => boolean, what: string, timeoutMs?: number): Promise<Message>
  /** Resolves once `predicate` holds for all messages so far. */
  until(predicate: (messages: Message[]) => boolean, what: string, timeoutMs?: number): Promise<void>
  /** Sends a command line. */
  send(command: Message): void
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Starts `test/postgres/fixtures/<name>.ts` with `env` added to this process's environment. */
export function startFixture(name: string, env: Record<string, string>): Fixture {
  return startScript(`test/postgres/fixtures/${name}.ts`, env)
}

/** Starts the TypeScript file at `script` (relative to the repository) with `env` added to this process's environment. */
export function startScript(script: string, env: Record<string, string>): Fixture {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const messages: Message[] = []
  const waiters = new Set<() => void>()
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined
  const notify = () => {
    for (const waiter of [...waiters]) waiter()
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      exit = { code, signal }
      resolve(exit)
      notify()
    })
  })
  child.stdin?.on('error', () => {}) // writing to a child that died is reported by its exit
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    if (!line.startsWith('{')) return
    messages.push(JSON.parse(line) as Message)
    notify()
  })

  const until = (predicate: (all: Message[]) => boolean, what: string, timeoutMs = 20_000): Promise<void> =>
    new Promise((resolve, reject) => {
      const finish = (error?: Error) => {
        clearTimeout(timer)
        waiters.delete(check)
        if (error) reject(error)
        else resolve()
      }
      const check = () => {
        const failure = messages.find((m) => m.kind === 'error')
        if (failure) return finish(new Error(`${script} failed: ${String(failure.message)}`))
        if (predicate(messages)) return finish()
        if (exit) finish(new Error(`${script} exited (${exit.code ?? exit.signal}) before ${what}`))
      }
      const timer = setTimeout(
        () => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${script}: ${what}`)),
        timeoutMs,
      )
      waiters.add(check)
      check()
    })

  return {
    messages,
    process: child,
    exited,
    until,
    async message(predicate, what, timeoutMs) {
      await until((all) => all.some(predicate), what, timeoutMs)
      return messages.find(predicate) as Message
    },
    send(command) {
      child.stdin?.write(`${JSON.stringify(command)}\n`)
    },
  }
}

/** Kills the fixture if it still runs (for cleanups) and waits for its exit. */
export async function stopFixture(fixture: Fixture): Promise<void> {
  if (fixture.process.exitCode === null && fixture.process.signalCode === null) fixture.process.kill('SIGKILL')
  await fixture.exited
}
