/**
 * The app of `proxied-app.ts` as a child process the browser tests crash and restart: started on a
 * given port and SQLite file, killed with SIGKILL (no graceful close: its streams just drop).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'

/** Starts the app on `port` with the events of `dbFile`, serving the pages built in `pagesDir`; resolves once it listens. */
export function startApp(port: number, dbFile: string, pagesDir: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/browser/support/proxied-app.ts', String(port), dbFile, pagesDir],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (data: Buffer) => {
      if (data.toString().includes('listening')) resolve(child)
    })
    child.once('exit', (code) => reject(new Error(`the app exited with ${code} before listening`)))
  })
}

/** Kills the app with SIGKILL and resolves once it has exited. */
export async function killApp(child: ChildProcess): Promise<void> {
  const exited = once(child, 'exit')
  child.kill('SIGKILL')
  await exited
}
