/**
 * The machine and the versions a run measured: CPU, cores, memory, kernel, Node, Postgres and
 * the packages under test.
 * @module
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cpus, loadavg, release, totalmem } from 'node:os'

/** What BENCHMARKS.md states about the machine. */
export interface MachineInfo {
  cpu: string
  cores: number
  memoryGiB: number
  kernel: string
  node: string
  postgres: string
  openFilesLimit: string
  loadAverageAtStart: number[]
  /** 1, 5 and 15 minute load averages when the run ended (absent in files written before it was recorded). */
  loadAverageAtEnd?: number[]
  packages: Record<string, string>
}

function packageVersion(name: string): string {
  try {
    const url = new URL(`../../node_modules/${name}/package.json`, import.meta.url)
    return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version
  } catch {
    return 'missing'
  }
}

function command(file: string, args: string[]): string {
  try {
    return execFileSync(file, args, { encoding: 'utf8', timeout: 5_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return 'unknown'
  }
}

/** The 1, 5 and 15 minute load averages now, two decimals. */
export function loadAverage(): number[] {
  return loadavg().map((value) => Math.round(value * 100) / 100)
}

/** Reads the machine's description at the end of a run (Postgres version and the load at the start passed in by the caller). */
export function machineInfo(postgres: string, loadAverageAtStart: number[]): MachineInfo {
  const self = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    postgres,
    openFilesLimit: command('sh', ['-c', 'ulimit -n']),
    loadAverageAtStart,
    loadAverageAtEnd: loadAverage(),
    packages: {
      'durable-sse': self.version,
      'better-sse': packageVersion('better-sse'),
      'better-sqlite3': packageVersion('better-sqlite3'),
      pg: packageVersion('pg'),
      kysely: packageVersion('kysely'),
      'hdr-histogram-js': packageVersion('hdr-histogram-js'),
      tsx: packageVersion('tsx'),
    },
  }
}
