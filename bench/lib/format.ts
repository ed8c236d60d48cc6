/**
 * Number formatting for the BENCHMARKS.md tables.
 * @module
 */
import type { Aggregate } from './stats.js'

/** A value in `unit`, short: `412k/s`, `3.2 ms`, `9.6 KiB`, `1,250 ns`, `85 µs`, `0.82×`. */
export function formatValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return 'n/a'
  if (unit === '/s') {
    if (Math.abs(value) >= 1e6) return `${(value / 1e6).toFixed(2)}M`
    if (Math.abs(value) >= 1e4) return `${Math.round(value / 1e3)}k`
    if (Math.abs(value) >= 1e3) return `${(value / 1e3).toFixed(1)}k`
    return `${Math.round(value)}`
  }
  if (unit === 'ms')
    return value >= 100 ? `${Math.round(value)} ms` : value >= 10 ? `${value.toFixed(1)} ms` : `${value.toFixed(2)} ms`
  if (unit === 'B') {
    const abs = Math.abs(value)
    if (abs >= 2 ** 20) return `${(value / 2 ** 20).toFixed(1)} MiB`
    if (abs >= 10 * 1024) return `${(value / 1024).toFixed(1)} KiB`
    return `${Math.round(value).toLocaleString('en')} B`
  }
  if (unit === 'ns') return `${Math.round(value).toLocaleString('en')} ns`
  if (unit === 'µs') return `${value >= 100 ? Math.round(value).toLocaleString('en') : Number(value.toPrecision(2))} µs`
  if (unit === '×') return `${value.toFixed(2)}×`
  return Math.abs(value) >= 100 ? Math.round(value).toLocaleString('en') : `${Number(value.toPrecision(3))}`
}

/** `median ±half-range%` (the range over repetitions, as a share of the median). */
export function formatAggregate(aggregate: Aggregate | undefined, unit: string): string {
  if (!aggregate || !Number.isFinite(aggregate.median)) return '—'
  const value = formatValue(aggregate.median, unit)
  if (aggregate.samples.length < 2 || !Number.isFinite(aggregate.spread)) return value
  return `${value} ±${Math.round((aggregate.spread / 2) * 100)}%`
}

/** A ratio of medians: `0.82×`, or `—`. */
export function formatRatio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : '—'
}
