/**
 * Aggregation across repetitions: median and spread of a metric, and ratios of medians.
 * @module
 */

/** A metric measured once per repetition. */
export interface Aggregate {
  /** Median of the repetitions. */
  median: number
  /** Smallest repetition. */
  min: number
  /** Largest repetition. */
  max: number
  /** (max - min) / median: the relative spread. */
  spread: number
  /** Every repetition, in run order. */
  samples: number[]
}

/** Median of `values` (NaN when empty). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

/** Median, min, max and relative spread of the finite values among `samples`. */
export function aggregate(samples: readonly number[]): Aggregate {
  const finite = samples.filter((value) => Number.isFinite(value))
  const mid = median(finite)
  const min = finite.length ? Math.min(...finite) : Number.NaN
  const max = finite.length ? Math.max(...finite) : Number.NaN
  return { median: mid, min, max, spread: mid ? (max - min) / Math.abs(mid) : Number.NaN, samples: [...samples] }
}

/** `a / b`, or NaN when either is missing or `b` is 0. */
export function ratio(a: number | undefined, b: number | undefined): number {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return Number.NaN
  return a / b
}

/** `items` rotated left by `by` (A/B/C, then B/C/A, ...), so no variant always runs first. */
export function rotate<T>(items: readonly T[], by: number): T[] {
  if (items.length === 0) return []
  const shift = by % items.length
  return [...items.slice(shift), ...items.slice(0, shift)]
}
