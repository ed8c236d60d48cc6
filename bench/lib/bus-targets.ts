/**
 * The targets of issue 20 (a bus between processes), from the `bus-publish`, `processes-bus` and
 * `xproc` scenarios' medians: publish throughput with a bus at 8 processes against NOTIFY and
 * against no NOTIFY at all; database CPU per event and p99 flat from 1 to 8 app processes with the
 * bus, the app processes' own backends a small share; cross-process latency with the bus, and with
 * NOTIFY against the raw NOTIFY→LISTEN floor of the same run.
 * @module
 */
import { type BenchResults, medianOf, type TargetCheck } from './results.js'
import { ratio } from './stats.js'
import { check, fmt } from './target-check.js'
import { processesColumn } from './variants.js'

/** Checks issue 20's targets 1-3. */
export function busTargets(results: BenchResults): TargetCheck[] {
  const { scenarios } = results
  const perSec = (variant: string) => medianOf(scenarios, 'bus-publish', 'n8.perSec', variant)
  const overNotify = ratio(perSec('ours-pg-bus'), perSec('ours-pg'))
  const overNone = ratio(perSec('ours-pg-bus'), perSec('ours-pg-poll'))
  const db = (metric: string, n: number) => medianOf(scenarios, 'processes-bus', metric, processesColumn(n))
  const dbRatio = ratio(db('dbAllUs', 8), db('dbAllUs', 1))
  const ownShare = ratio(db('dbPerAppUs', 8) === undefined ? undefined : (db('dbPerAppUs', 8) as number) * 8, db('dbAllUs', 8))
  const p99Ratio = ratio(db('p99', 8), db('p99', 1))
  const xproc = (metric: string, variant: string) => medianOf(scenarios, 'xproc', metric, variant)
  const floor = ratio(xproc('p50', 'ours-pg-notify'), xproc('p50', 'raw-notify'))
  return [
    check(
      'bus-publish-notify',
      '(issue 20) publish throughput at 8 processes × 16 publishers: NATS bus with notify: false ≥ 1.3× NOTIFY',
      overNotify,
      1.3,
      'atLeast',
      `${fmt(overNotify)}× (${fmt(perSec('ours-pg-bus'), 0)} vs ${fmt(perSec('ours-pg'), 0)} events/s)`,
    ),
    check(
      'bus-publish-ceiling',
      '(issue 20) publish throughput at 8 processes × 16 publishers: NATS bus with notify: false ≥ 0.9× notify: false without a bus',
      overNone,
      0.9,
      'atLeast',
      `${fmt(overNone)}× (${fmt(perSec('ours-pg-bus'), 0)} vs ${fmt(perSec('ours-pg-poll'), 0)} events/s)`,
    ),
    check(
      'bus-processes-db',
      '(issue 20) with the bus, database CPU per event (every backend) at 8 app processes ≤ 1.1× at 1',
      dbRatio,
      1.1,
      'atMost',
      `${fmt(dbRatio)}× (${fmt(db('dbAllUs', 8), 0)} vs ${fmt(db('dbAllUs', 1), 0)} µs)`,
    ),
    check(
      'bus-processes-own',
      "(issue 20) with the bus, the app processes' own backends ≤ 10% of the database CPU per event at 8 processes",
      ownShare,
      0.1,
      'atMost',
      `${fmt(ownShare * 100, 1)}%`,
    ),
    check(
      'bus-processes-p99',
      '(issue 20) with the bus, p99 publish→receive at 8 app processes ≤ 1.5× at 1',
      p99Ratio,
      1.5,
      'atMost',
      `${fmt(p99Ratio)}× (${fmt(db('p99', 8), 1)} vs ${fmt(db('p99', 1), 1)} ms)`,
    ),
    check(
      'bus-xproc-p50',
      '(issue 20) cross-process p50 ≤ 2 ms with the NATS bus at 1,000 events/s',
      xproc('p50', 'ours-pg-bus'),
      2,
      'atMost',
      `${fmt(xproc('p50', 'ours-pg-bus'))} ms (of which the commit: ${fmt(xproc('commitP50', 'ours-pg-bus'))} ms)`,
    ),
    check(
      'bus-xproc-p99',
      '(issue 20) cross-process p99 ≤ 10 ms with the NATS bus at 1,000 events/s',
      xproc('p99', 'ours-pg-bus'),
      10,
      'atMost',
      `${fmt(xproc('p99', 'ours-pg-bus'))} ms (commit p99 ${fmt(xproc('commitP99', 'ours-pg-bus'))} ms)`,
    ),
    check(
      'bus-xproc-notify-floor',
      '(issue 20) cross-process p50 with NOTIFY ≤ 3× the raw NOTIFY→LISTEN floor of the same run',
      floor,
      3,
      'atMost',
      `${fmt(floor)}× (${fmt(xproc('p50', 'ours-pg-notify'))} vs ${fmt(xproc('p50', 'raw-notify'))} ms)`,
    ),
  ]
}
