/**
 * CPU used while something runs: by benchmark processes (their `cpu` command) and by the
 * database backends serving the run ({@link BackendSampler}), read just before and just after.
 * @module
 */
import type { Child } from './child.js'
import { type BackendCpuWindow, type BackendSampler, cpuBetween } from './db-cpu.js'

/** What a window measured. */
export interface CpuWindow<T> {
  /** What `body` returned. */
  result: T
  /** CPU time of each process, in the order given, µs. */
  processUs: number[]
  /** The backends' CPU, when a sampler was given. */
  database: BackendCpuWindow | undefined
}

/** Runs `body` and measures the CPU that `processes` and the sampler's backends used meanwhile. */
export async function measureCpu<T>(
  processes: readonly Child[],
  sampler: BackendSampler | undefined,
  body: () => Promise<T>,
): Promise<CpuWindow<T>> {
  const cpu = (): Promise<number[]> =>
    Promise.all(processes.map((child) => child.request<{ cpuUs: number }>('cpu').then((answer) => answer.cpuUs)))
  const before = await cpu()
  const backendsBefore = await sampler?.sample()
  const result = await body()
  const backendsAfter = await sampler?.sample()
  const after = await cpu()
  return {
    result,
    processUs: after.map((us, i) => us - (before[i] as number)),
    database: backendsBefore && backendsAfter ? cpuBetween(backendsBefore, backendsAfter) : undefined,
  }
}
