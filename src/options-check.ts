/**
 * Checking numeric options: a clear `TypeError` naming who takes the option and the option,
 * before anything starts (`createBroker`, and the adapters through `adapters/kit/`).
 * @module
 */

/** What a numeric option must be. */
export interface NumberRule {
  /** Smallest allowed value. */
  min: number
  /** Whether `min` itself is allowed (default true). */
  inclusive?: boolean
  /** Largest allowed value (default: no bound; always finite unless `infinite`). */
  max?: number
  /** Whether only integers are allowed. */
  integer?: boolean
  /** Whether `Infinity` is allowed (an unbounded limit). */
  infinite?: boolean
  /** The unit, for the message (e.g. `'milliseconds'`; default a plain number). */
  unit?: string
}

/** Longest delay Node's timers take, in ms (beyond it they fire after 1 ms). */
export const MAX_TIMER_MS = 2_147_483_647

/** `value`, or `fallback` when it is `undefined`; a `TypeError` (`<owner>: <name> must be ...`) unless it follows `rule`. */
export function numberOption(owner: string, name: string, value: number | undefined, fallback: number, rule: NumberRule): number {
  const number = value ?? fallback
  const { min, inclusive = true, max = Number.POSITIVE_INFINITY, integer = false, infinite = false, unit = 'number' } = rule
  if (infinite && number === Number.POSITIVE_INFINITY) return number
  const inRange = (inclusive ? number >= min : number > min) && number <= max
  if (typeof number !== 'number' || !Number.isFinite(number) || !inRange || (integer && !Number.isInteger(number))) {
    const kind = integer ? 'an integer' : unit === 'number' ? 'a finite number' : `a finite number of ${unit}`
    const upTo = max < Number.POSITIVE_INFINITY ? ` and at most ${max}` : ''
    const unbounded = infinite ? ' (or Infinity)' : ''
    throw new TypeError(`${owner}: ${name} must be ${kind} ${inclusive ? 'of at least' : 'above'} ${min}${upTo}${unbounded}`)
  }
  return number
}
