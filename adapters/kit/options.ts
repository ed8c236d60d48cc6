/**
 * Validating an adapter's numeric options: a clear `TypeError` naming the adapter and the option,
 * before anything connects.
 * @module
 */

/** What a numeric option must be. */
export interface NumberRule {
  /** Smallest allowed value. */
  min: number
  /** Whether `min` itself is allowed (default true). */
  inclusive?: boolean
  /** Whether only integers are allowed. */
  integer?: boolean
  /** The unit, for the message (e.g. `'milliseconds'`; default a plain number). */
  unit?: string
}

/** `value`, or `fallback` when it is `undefined`; a `TypeError` (`<adapter>: <name> must be ...`) unless it follows `rule`. */
export function numberOption(
  adapter: string,
  name: string,
  value: number | undefined,
  fallback: number,
  rule: NumberRule,
): number {
  const number = value ?? fallback
  const { min, inclusive = true, integer = false, unit = 'number' } = rule
  const inRange = inclusive ? number >= min : number > min
  if (typeof number !== 'number' || !Number.isFinite(number) || !inRange || (integer && !Number.isInteger(number))) {
    const kind = integer ? 'an integer' : unit === 'number' ? 'a finite number' : `a finite number of ${unit}`
    throw new TypeError(`${adapter}: ${name} must be ${kind} ${inclusive ? 'of at least' : 'above'} ${min}`)
  }
  return number
}
