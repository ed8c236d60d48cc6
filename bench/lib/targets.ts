/**
 * The targets of issues 7, 11, 12 and 19, checked against a run's medians. A target whose scenario did
 * not run (or ran at reduced size where the size matters) is reported as not measured.
 * @module
 */

import { busTargets } from './bus-targets.js'
import { deliveryTargets } from './delivery-targets.js'
import { mysqlTargets } from './mysql-targets.js'
import { opsTargets } from './ops-targets.js'
import { relayTargets } from './relay-targets.js'
import { replicaTargets } from './replica-targets.js'
import { type BenchResults, medianOf, type ScenarioResult, type TargetCheck } from './results.js'
import { scaleTargets } from './scale-targets.js'
import { ratio } from './stats.js'
import { streamTargets } from './stream-targets.js'
import { check, fmt } from './target-check.js'

function subscribersOf(scenarios: readonly ScenarioResult[], id: string): number | undefined {
  return scenarios.find((s) => s.id === id)?.params.subscribers as number | undefined
}

/** Checks every target. */
export function checkTargets(results: BenchResults): TargetCheck[] {
  const s = results.scenarios
  const m = (id: string, metric: string, variant: string): number | undefined => medianOf(s, id, metric, variant)
  const checks: TargetCheck[] = []

  for (const id of ['fanout-2k', 'fanout-10k']) {
    const ours = m(id, 'capacity.deliveriesPerSec', 'ours')
    const raw = m(id, 'capacity.deliveriesPerSec', 'raw-net')
    const r = ratio(ours, raw)
    const cpu = ratio(m(id, 'capacity.cpuNs', 'ours'), m(id, 'capacity.cpuNs', 'raw-net'))
    const n = subscribersOf(s, id)
    checks.push(
      check(
        `${id}-capacity`,
        `fan-out capacity at ${id === 'fanout-2k' ? '2k' : '10k'} subscribers ≥ 0.9× raw ceiling`,
        r,
        0.9,
        'atLeast',
        `${fmt(r)}× (${fmt((ours ?? 0) / 1000, 0)}k vs ${fmt((raw ?? 0) / 1000, 0)}k deliveries/s at ${n} subscribers; CPU per delivery ${fmt(cpu)}× raw)`,
      ),
    )
  }
  const singleId = s.some((x) => x.id === 'fanout-10k') ? 'fanout-10k' : 'fanout-2k'
  const single = m(singleId, 'single.p99', 'ours')
  checks.push(
    check(
      'single-p99',
      'single-event p99 to 10k subscribers < 50 ms',
      single,
      50,
      'atMost',
      `${fmt(single, 1)} ms at ${subscribersOf(s, singleId)} subscribers (raw ${fmt(m(singleId, 'single.p99', 'raw-net'), 1)} ms)`,
    ),
  )
  const unloaded = ratio(m('fanout-2k', 'unloaded.p99', 'ours'), m('fanout-2k', 'unloaded.p99', 'raw-net'))
  checks.push(
    check(
      'unloaded-p99',
      'unloaded p99 (2k subscribers, 20 events/s) ≤ 1.25× raw',
      unloaded,
      1.25,
      'atMost',
      `${fmt(unloaded)}× (${fmt(m('fanout-2k', 'unloaded.p99', 'ours'), 1)} vs ${fmt(m('fanout-2k', 'unloaded.p99', 'raw-net'), 1)} ms)`,
    ),
  )
  const sqlite = ratio(m('publish-sqlite', 'p16.perSec', 'ours-sqlite'), m('publish-sqlite', 'p16.perSec', 'raw-sqlite-100'))
  checks.push(
    check(
      'sqlite-publish',
      'SQLite publish ≥ 0.75× raw 100-row transactions, 16 publishers',
      sqlite,
      0.75,
      'atLeast',
      `${fmt(sqlite)}× (${fmt(m('publish-sqlite', 'p16.perSec', 'ours-sqlite'), 0)} vs ${fmt(m('publish-sqlite', 'p16.perSec', 'raw-sqlite-100'), 0)} events/s)`,
    ),
  )
  const pg = ratio(m('publish-postgres', 'p16.perSec', 'ours-pg'), m('publish-postgres', 'p16.perSec', 'raw-pg'))
  checks.push(
    check(
      'pg-publish',
      'Postgres publish ≥ 3× raw single-row inserts, 16 publishers',
      pg,
      3,
      'atLeast',
      `${fmt(pg)}× (${fmt(m('publish-postgres', 'p16.perSec', 'ours-pg'), 0)} vs ${fmt(m('publish-postgres', 'p16.perSec', 'raw-pg'), 0)} events/s, NOTIFY on)`,
    ),
  )
  const p50 = m('xproc', 'p50', 'ours-pg-notify')
  const p99 = m('xproc', 'p99', 'ours-pg-notify')
  checks.push(check('xproc-p50', 'cross-process p50 ≤ 2 ms with NOTIFY at 1,000 events/s', p50, 2, 'atMost', `${fmt(p50)} ms`))
  checks.push(check('xproc-p99', 'cross-process p99 ≤ 10 ms with NOTIFY at 1,000 events/s', p99, 10, 'atMost', `${fmt(p99)} ms`))
  const floor50 = ratio(p50, m('xproc', 'p50', 'raw-notify'))
  const floor99 = ratio(p99, m('xproc', 'p99', 'raw-notify'))
  checks.push(
    check(
      'xproc-floor',
      'cross-process latency ≤ 1.5× the raw NOTIFY→LISTEN floor (p50 and p99)',
      Math.max(floor50, floor99),
      1.5,
      'atMost',
      `p50 ${fmt(floor50)}×, p99 ${fmt(floor99)}× (floor p50 ${fmt(m('xproc', 'p50', 'raw-notify'))} ms, p99 ${fmt(m('xproc', 'p99', 'raw-notify'))} ms)`,
    ),
  )
  const heapRaw = ratio(m('memory', 'heapPerConn', 'ours'), m('memory', 'heapPerConn', 'raw-http'))
  const heapPeer = ratio(m('memory', 'heapPerConn', 'ours'), m('memory', 'heapPerConn', 'better-sse'))
  const perConn = `${fmt(m('memory', 'heapPerConn', 'ours'), 0)} B vs raw ${fmt(m('memory', 'heapPerConn', 'raw-http'), 0)} B, better-sse ${fmt(m('memory', 'heapPerConn', 'better-sse'), 0)} B`
  checks.push(
    check(
      'memory-raw',
      'idle heap per connection ≤ 1.15× raw held-open node:http response',
      heapRaw,
      1.15,
      'atMost',
      `${fmt(heapRaw)}× (${perConn})`,
    ),
  )
  checks.push(check('memory-peer', 'idle heap per connection ≤ 0.5× better-sse', heapPeer, 0.5, 'atMost', `${fmt(heapPeer)}×`))
  const replay = ratio(m('replay', 'single.perSec', 'ours-sqlite'), m('replay', 'single.perSec', 'raw-keyset'))
  const storm = ratio(m('replay', 'storm.perSec', 'ours-sqlite'), m('replay', 'storm.perSec', 'raw-keyset'))
  checks.push(
    check(
      'replay-single',
      'replay (one client) ≥ 0.7× raw keyset stream',
      replay,
      0.7,
      'atLeast',
      `${fmt(replay)}× (${fmt(m('replay', 'single.perSec', 'ours-sqlite'), 0)} vs ${fmt(m('replay', 'single.perSec', 'raw-keyset'), 0)} events/s)`,
    ),
  )
  checks.push(
    check(
      'replay-storm',
      'replay (storm of clients) ≥ 0.7× raw keyset stream',
      storm,
      0.7,
      'atLeast',
      `${fmt(storm)}× (${fmt(m('replay', 'storm.perSec', 'ours-sqlite'), 0)} vs ${fmt(m('replay', 'storm.perSec', 'raw-keyset'), 0)} events/s)`,
    ),
  )
  const large = m('replay', 'single.peakHeapLarge', 'ours-sqlite')
  const small = m('replay', 'single.peakHeapSmall', 'ours-sqlite')
  const growth = large === undefined || small === undefined ? undefined : large / Math.max(small, 2 ** 20)
  checks.push(
    check(
      'replay-memory',
      'replay peak memory independent of backlog (10× backlog: peak heap growth ≤ 2× the small one, 1 MiB floor)',
      growth,
      2,
      'atMost',
      `${fmt((large ?? 0) / 2 ** 20, 1)} MiB for the large backlog vs ${fmt((small ?? 0) / 2 ** 20, 1)} MiB for the small one`,
    ),
  )
  const slow = ratio(m('slow', 'p99', 'ours-stalled'), m('slow', 'p99', 'ours-none'))
  checks.push(
    check(
      'slow-isolation',
      "(DESIGN invariant 4) fast subscribers' p99 with 1% stalled ≤ 1.25× none stalled",
      slow,
      1.25,
      'atMost',
      `${fmt(slow)}× (${fmt(m('slow', 'p99', 'ours-stalled'), 1)} vs ${fmt(m('slow', 'p99', 'ours-none'), 1)} ms)`,
    ),
  )
  const held = m('slow', 'heldPerStalled', 'ours-stalled')
  checks.push(
    check(
      'slow-memory',
      '(DESIGN invariant 4) memory held per stalled subscriber bounded by its queue: ≤ 3 queue-fulls (frames + payload strings + one chunk in the response)',
      held,
      3,
      'atMost',
      `${fmt(held)} queue-fulls (better-sse, uncapped: ${fmt(m('slow', 'heldPerStalled', 'better-sse-stalled'))})`,
    ),
  )
  checks.push(
    ...scaleTargets(results),
    ...streamTargets(results),
    ...deliveryTargets(results),
    ...opsTargets(results),
    ...mysqlTargets(results),
    ...busTargets(results),
    ...relayTargets(results),
    ...replicaTargets(results),
  )
  return checks
}
