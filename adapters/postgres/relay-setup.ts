/**
 * What the logical relay needs on the server, and how it is found out: whether the relay can run
 * (`wal_level=logical`, a role that may replicate), its names (one slot per database: slot names
 * are cluster-wide, so the default one carries a hash of the database and schema), creating the
 * publication and slot when missing (by `migrate()` or the first process that leads), dropping
 * them (`store.dropRelay()`), and the slot's retained WAL.
 * @module
 */
import { createHash } from 'node:crypto'
import { RelayUnavailableError } from '../../src/errors.js'
import { quoteIdentifier } from './postgres-sql.js'
import type { ResolvedRelayOptions } from './postgres-store-config.js'

/** Runs one statement and returns its rows. */
export type RunSql = <Row>(text: string, parameters: readonly unknown[]) => Promise<Row[]>

/** The relay's slot and publication. */
export interface RelayNames {
  /** The replication slot. */
  slot: string
  /** The publication of the events table. */
  publication: string
}

/** The slot as `pg_replication_slots` reports it. */
export interface RelaySlotState {
  /** Whether a process streams from it now. */
  active: boolean
  /** The server process streaming from it, if any. */
  activePid: number | null
  /** `reserved`, `extended`, `unreserved` (past `max_slot_wal_keep_size`, about to be lost) or `lost`. */
  walStatus: string | null
  /** WAL the slot keeps on the server's disk, in bytes (from its `restart_lsn` to the current WAL position). */
  retainedWalBytes: number | null
  /** WAL written since the last position the relay acknowledged (`confirmed_flush_lsn`), in bytes. */
  unconfirmedBytes: number | null
  /** How much more WAL may be written before the slot is invalidated, in bytes; `null` without `max_slot_wal_keep_size`. */
  safeWalBytes: number | null
}

/** Postgres's "object in use" (a slot another process streams from) and "duplicate object". */
export const OBJECT_IN_USE = '55006'
const DUPLICATE_OBJECT = '42710'

/** The SQLSTATE of a driver error. */
export const sqlState = (error: unknown): string | undefined => (error as { code?: string } | undefined)?.code

/** A name character Postgres accepts in a slot name, or `_`. */
const slotSafe = (text: string): string => text.toLowerCase().replace(/[^a-z0-9_]/g, '_')

/** The relay's names: those given, else derived from the database, schema and table prefix. */
export async function relayNames(
  run: RunSql,
  options: ResolvedRelayOptions,
  schema: string,
  tablePrefix: string,
): Promise<RelayNames> {
  let slot = options.slot
  if (slot === undefined) {
    const [row] = await run<{ database: string }>('SELECT current_database() AS database', [])
    const hash = createHash('sha256').update(`${row?.database}\0${schema}\0${tablePrefix}`).digest('hex').slice(0, 10)
    slot = `${slotSafe(tablePrefix).slice(0, 46)}relay_${hash}`
  }
  return { slot, publication: options.publication ?? slot }
}

/** Rejects with {@link RelayUnavailableError} when the server or the role cannot run the relay. */
export async function checkRelayAvailable(run: RunSql): Promise<void> {
  const [row] = await run<{ wal_level: string; replicates: boolean }>(
    `SELECT current_setting('wal_level') AS wal_level,
            (SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user) AS replicates`,
    [],
  )
  if (row?.wal_level !== 'logical') throw new RelayUnavailableError('wal-level', `wal_level is ${row?.wal_level}`)
  if (row.replicates !== true) throw new RelayUnavailableError('privilege', 'the role lacks REPLICATION')
}

/**
 * Creates the publication of `events` (inserts only) and the slot, whichever is missing, and
 * replaces a slot the server invalidated (`wal_status` `lost`: it retained more than
 * `max_slot_wal_keep_size`; what it lost is delivered by NOTIFY or the backstop). Safe from
 * several processes at once.
 */
export async function ensureRelay(run: RunSql, names: RelayNames, events: string): Promise<void> {
  await checkRelayAvailable(run)
  const ignoreDuplicate = (error: unknown): void => {
    if (sqlState(error) !== DUPLICATE_OBJECT) throw error
  }
  const [publication] = await run('SELECT 1 FROM pg_publication WHERE pubname = $1', [names.publication])
  if (publication === undefined) {
    await run(`CREATE PUBLICATION ${quoteIdentifier(names.publication)} FOR TABLE ${events} WITH (publish = 'insert')`, []).catch(
      ignoreDuplicate,
    )
  }
  const [slot] = await run<{ wal_status: string | null }>('SELECT wal_status FROM pg_replication_slots WHERE slot_name = $1', [
    names.slot,
  ])
  if (slot?.wal_status === 'lost') {
    await run('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [names.slot])
  }
  if (slot === undefined || slot.wal_status === 'lost') {
    await run(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [names.slot]).catch(ignoreDuplicate)
  }
}

/** Ends the server process streaming from the slot (the advisory lock proves its owner is gone); `false` when none or not allowed. */
export async function endStaleStream(run: RunSql, slot: string): Promise<boolean> {
  try {
    const rows = await run<{ ended: boolean }>(
      'SELECT pg_terminate_backend(active_pid) AS ended FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL',
      [slot],
    )
    return rows[0]?.ended === true
  } catch {
    return false
  }
}

/** Drops the slot (ending whoever streams from it) and the publication; missing ones are skipped. */
export async function dropRelay(run: RunSql, names: RelayNames): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await run('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [names.slot])
      break
    } catch (error) {
      if (sqlState(error) !== OBJECT_IN_USE || attempt >= 20) throw error
      await endStaleStream(run, names.slot)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  await run(`DROP PUBLICATION IF EXISTS ${quoteIdentifier(names.publication)}`, [])
}

/** The slot's state, or `undefined` when it does not exist. */
export async function slotState(run: RunSql, slot: string): Promise<RelaySlotState | undefined> {
  const [row] = await run<{
    active: boolean
    active_pid: number | null
    wal_status: string | null
    retained: string | null
    unconfirmed: string | null
    safe: string | null
  }>(
    `SELECT active, active_pid, wal_status,
            pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::text AS retained,
            pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::text AS unconfirmed,
            safe_wal_size::text AS safe
       FROM pg_replication_slots WHERE slot_name = $1`,
    [slot],
  )
  if (row === undefined) return undefined
  const bytes = (text: string | null): number | null => (text === null ? null : Number(text))
  return {
    active: row.active,
    activePid: row.active_pid,
    walStatus: row.wal_status,
    retainedWalBytes: bytes(row.retained),
    unconfirmedBytes: bytes(row.unconfirmed),
    safeWalBytes: bytes(row.safe),
  }
}
