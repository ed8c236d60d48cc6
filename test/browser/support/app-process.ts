/**
 * The app of `proxied-app.ts` as a child process the browser tests crash and restart: started on a
 * port of its own and a SQLite file, killed with SIGKILL (no graceful close: its streams just drop),
 * started again on the same port and file. The test keeps its own broker on that file.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { sqliteStore } from '../../../adapters/sqlite/index.js'
import { type Broker, createBroker, type EventMap } from '../../../src/index.js'
import { freePort } from '../../helpers/servers.js'
import { tempDir } from '../../helpers/stores.js'
import { buildPages } from './pages.js'

/** The app, its SQLite file and pages in a fresh temporary directory, and the test's own broker on that file. */
export interface CrashableApp<Events extends EventMap> {
  /** The temporary directory: the built pages, the SQLite file, and room for the test's own files. */
  readonly dir: string
  /** The app's port, the same across restarts. */
  readonly port: number
  /** The test's broker on the app's SQLite file: it publishes whether the app runs or not. */
  readonly broker: Broker<Events>
  /** Starts the app again (on the same port and file); resolves once it listens. */
  start(): Promise<void>
  /** Kills the app with SIGKILL; resolves once it has exited. */
  kill(): Promise<void>
  /** Kills the app if it runs, closes the test's broker and store, and removes `dir`. */
  close(): Promise<void>
}

/** Builds the pages, opens the SQLite file, and starts the app on a free port; resolves once it listens. */
export async function startCrashableApp<Events extends EventMap>(): Promise<CrashableApp<Events>> {
  const temp = tempDir()
  const dbFile = join(temp.dir, 'events.db')
  await buildPages(temp.dir)
  const store = sqliteStore({ filename: dbFile })
  await store.migrate()
  const broker = createBroker<Events>(store)
  const port = await freePort()
  let child: ChildProcess | undefined
  const start = async () => {
    if (child) throw new Error('the app is running already')
    child = await spawnApp(port, dbFile, temp.dir)
  }
  const kill = async () => {
    if (!child) throw new Error('the app is not running')
    const running = child
    child = undefined
    const exited = once(running, 'exit')
    running.kill('SIGKILL')
    await exited
  }
  const close = async () => {
    if (child) await kill()
    await broker.close()
    await store.close()
    temp.remove()
  }
  try {
    await start()
  } catch (error) {
    await close()
    throw error
  }
  return { dir: temp.dir, port, broker, start, kill, close }
}

/** Starts the app on `port` with the events of `dbFile`, serving the pages built in `pagesDir`; resolves once it listens. */
function spawnApp(port: number, dbFile: string, pagesDir: string): Promise<ChildProcess> {
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
