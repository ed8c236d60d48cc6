/**
 * The two helpers every target check uses: a number for the "measured" column, and a limit check
 * that says "not measured" when the value is missing.
 * @module
 */
import type { TargetCheck } from './results.js'

/** `value` with `digits` decimals, or `n/a`. */
export const fmt = (value: number | undefined, digits = 2): string =>
  value === undefined || !Number.isFinite(value) ? 'n/a' : value.toFixed(digits)

/** One target: `value` compared with `limit` (`atLeast` or `atMost`). */
export function check(
  id: string,
  target: string,
  value: number | undefined,
  limit: number,
  kind: 'atLeast' | 'atMost',
  measured: string,
): TargetCheck {
  if (value === undefined || !Number.isFinite(value)) return { id, target, measured: 'not measured in this run', holds: null }
  return { id, target, measured, holds: kind === 'atLeast' ? value >= limit : value <= limit }
}
