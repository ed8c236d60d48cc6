/**
 * The benchmark process's side of the IPC channel: runs the commands the orchestrator sends and
 * answers each one; exits on `exit` or when the orchestrator goes away.
 * @module
 */

/** A command handler: receives the command's arguments, returns (or resolves with) its answer. */
export type Handler = (args: any) => unknown

/** The JSON argument the orchestrator passed on the command line. */
export function startArgs<T>(): T {
  return JSON.parse(process.argv[2] ?? '{}') as T
}

/** Answers commands with `handlers`, then tells the orchestrator the process is ready. */
export function serve(handlers: Record<string, Handler>, onExit: () => unknown = () => {}): void {
  const send = (message: unknown): void => {
    if (process.connected) process.send?.(message)
  }
  const exit = async (): Promise<void> => {
    try {
      await onExit()
    } finally {
      process.exit(0)
    }
  }
  process.on('message', async (message: { id: number; command: string; args: unknown }) => {
    if (message.command === 'exit') return void exit()
    const handler = handlers[message.command]
    try {
      if (!handler) throw new Error(`unknown command ${message.command}`)
      send({ id: message.id, ok: true, result: await handler(message.args) })
    } catch (error) {
      send({ id: message.id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) })
    }
  })
  process.on('disconnect', () => void exit())
  send({ ready: true })
}
