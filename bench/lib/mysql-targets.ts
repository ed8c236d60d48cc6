/**
 * The targets of issue 22 (MySQL / MariaDB), from one run's medians: group commit ≥ 2× raw
 * autocommit inserts with 16 publishers; at 20,000 tailed topics the p99 and subscriber CPU per
 * event within 1.5× of 100 topics; cross-process p99 within 1.5× of the SQLite store's at the
 * same rate.
 * @module
 */
import { type BenchResults, medianOf, type TargetCheck } from './results.js'
import { flatAt } from './scale-targets.js'
import { ratio } from './stats.js'
import { check, fmt } from './target-check.js'

/** Checks issue 22's targets. */
export function mysqlTargets(results: BenchResults): TargetCheck[] {
  const m = (id: string, metric: string, variant: string): number | undefined => medianOf(results.scenarios, id, metric, variant)
  const ours = m('publish-mysql', 'p16.perSec', 'ours-mysql')
  const raw = m('publish-mysql', 'p16.perSec', 'raw-mysql')
  const publish = ratio(ours, raw)
  const p99 = ratio(m('xproc-mysql', 'p99', 'ours-mysql'), m('xproc-mysql', 'p99', 'ours-sqlite'))
  return [
    check(
      'mysql-publish',
      '(issue 22) MySQL publish, 16 concurrent publishers: ≥ 2× raw single-row autocommit inserts (group commit)',
      publish,
      2,
      'atLeast',
      `${fmt(publish)}× (${fmt(ours, 0)} vs ${fmt(raw, 0)} events/s)`,
    ),
    flatAt(results.scenarios, { id: 'many-topics-mysql', label: 'MySQL / MariaDB' }, 20_000, 1, 22),
    check(
      'mysql-xproc-p99',
      '(issue 22) cross-process publish→receive on MySQL without a bus: p99 ≤ 1.5× the SQLite store at the same rate',
      p99,
      1.5,
      'atMost',
      `${fmt(p99)}× (${fmt(m('xproc-mysql', 'p99', 'ours-mysql'))} vs ${fmt(m('xproc-mysql', 'p99', 'ours-sqlite'))} ms)`,
    ),
  ]
}
