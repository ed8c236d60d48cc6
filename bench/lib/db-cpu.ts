/**
 * Database CPU of a run: the Postgres backends serving this run's stores, found in
 * `pg_stat_activity` by their `application_name` (`<run>.<role>`, set through `lib/stores.ts`), or
 * every backend of a server the run has to itself (a scratch cluster), their CPU time read from
 * `/proc/<pid>/schedstat` (nanoseconds on a CPU; the server runs on this machine). A backend that
 * starts inside a window counts from its start; one that exits inside it loses its share, so
 * windows report how many exited.
 * @module
 */
import { readFileSync } from 'node:fs'
import pg from 'pg'

/** CPU so far of each backend of the run, by pid. */
export type BackendCpu = Map<number, { role: string; ns: number }>

/** CPU used between two samples, per role, and how many backends went away in between. */
export interface BackendCpuWindow {
  /** Nanoseconds per role (the `application_name` after `<run>.`, e.g. `app0`, `app0.listen`, `pub`). */
  byRole: Map<string, number>
  /** Backends of the first sample missing from the second (their CPU in the window is lost). */
  exited: number
}

/** Nanoseconds on a CPU of process `pid` so far, or `undefined` when it is gone (or not on this machine). */
function processCpuNs(pid: number): number | undefined {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'latin1').split(' ')[0])
  } catch {
    return undefined
  }
}

/** Every backend but the sampler's own; the role is its `application_name`, or its type (`checkpointer`, `walsender`, ...) without one. */
const EVERY_BACKEND = `SELECT pid, coalesce(nullif(application_name, ''), backend_type) AS name
  FROM pg_stat_activity WHERE pid <> pg_backend_pid()`

/** Samples the CPU of the backends whose `application_name` is `<run>.<role>` (or of every backend). */
export class BackendSampler {
  private constructor(
    private readonly client: pg.Client,
    private readonly run: string | undefined,
  ) {}

  /** Connects the sampler's own client (its backend is not one of the run's). */
  static async open(run: string, url: string): Promise<BackendSampler> {
    return new BackendSampler(await connect(url), run)
  }

  /** A sampler of every backend of the server at `url` but its own: client backends, WAL senders and background processes. */
  static async openAll(url: string): Promise<BackendSampler> {
    return new BackendSampler(await connect(url), undefined)
  }

  /** Every backend of the run and its CPU so far. */
  async sample(): Promise<BackendCpu> {
    const prefix = this.run === undefined ? '' : `${this.run}.`
    const { rows } =
      this.run === undefined
        ? await this.client.query<{ pid: number; name: string }>(EVERY_BACKEND)
        : await this.client.query<{ pid: number; name: string }>(
            'SELECT pid, application_name AS name FROM pg_stat_activity WHERE starts_with(application_name, $1)',
            [prefix],
          )
    const sample: BackendCpu = new Map()
    for (const { pid, name } of rows) {
      const ns = processCpuNs(pid)
      if (ns !== undefined) sample.set(pid, { role: name.slice(prefix.length), ns })
    }
    return sample
  }

  /** Ends the sampler's client. */
  async close(): Promise<void> {
    await this.client.end().catch(() => {})
  }
}

/** A client of the sampler's own. */
async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url })
  client.on('error', () => {})
  await client.connect()
  return client
}

/** What the run's backends used between `before` and `after`. */
export function cpuBetween(before: BackendCpu, after: BackendCpu): BackendCpuWindow {
  const byRole = new Map<string, number>()
  for (const [pid, { role, ns }] of after) byRole.set(role, (byRole.get(role) ?? 0) + ns - (before.get(pid)?.ns ?? 0))
  let exited = 0
  for (const pid of before.keys()) if (!after.has(pid)) exited++
  return { byRole, exited }
}

/** Nanoseconds of the roles that `pick` selects. */
export function sumRoles(window: BackendCpuWindow, pick: (role: string) => boolean): number {
  let sum = 0
  for (const [role, ns] of window.byRole) if (pick(role)) sum += ns
  return sum
}
