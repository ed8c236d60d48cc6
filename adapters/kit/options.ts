/**
 * Validating an adapter's numeric options: the core's checker, a clear `TypeError` naming the
 * adapter and the option, before anything connects.
 * @module
 */
export { type NumberRule, numberOption } from '../../src/options-check.js'
