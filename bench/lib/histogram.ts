/**
 * Latency histograms from raw samples (hdr-histogram-js, microseconds, 3 significant digits),
 * encoded to send between processes and merged at the orchestrator.
 * @module
 */
import * as hdr from 'hdr-histogram-js'

/** A latency histogram in microseconds. */
export type Histogram = hdr.Histogram

/** Percentiles of one histogram, in milliseconds. */
export interface LatencySummary {
  /** Samples recorded. */
  count: number
  /** Median, ms. */
  p50: number
  /** 99th percentile, ms. */
  p99: number
  /** 99.9th percentile, ms. */
  p999: number
  /** Largest sample, ms. */
  max: number
}

/** An empty histogram for 1 µs .. 1 h. */
export function newHistogram(): Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 })
}

/** Records one latency in microseconds (clamped to the trackable range). */
export function recordUs(histogram: Histogram, us: number): void {
  histogram.recordValue(Math.min(Math.max(1, Math.round(us)), 3_600_000_000))
}

/** Compressed base64 form, to send over IPC. */
export function encodeHistogram(histogram: Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram)
}

/** Merges encoded histograms into one. */
export function mergeEncoded(encoded: readonly string[]): Histogram {
  const merged = newHistogram()
  for (const text of encoded) if (text) merged.add(hdr.decodeFromCompressedBase64(text))
  return merged
}

/** p50 / p99 / p99.9 / max in milliseconds (zeros when empty). */
export function summarize(histogram: Histogram): LatencySummary {
  const ms = (us: number): number => Math.round(us) / 1000
  if (histogram.totalCount === 0) return { count: 0, p50: 0, p99: 0, p999: 0, max: 0 }
  return {
    count: histogram.totalCount,
    p50: ms(histogram.getValueAtPercentile(50)),
    p99: ms(histogram.getValueAtPercentile(99)),
    p999: ms(histogram.getValueAtPercentile(99.9)),
    max: ms(histogram.maxValue),
  }
}
