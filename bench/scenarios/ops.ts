/**
 * The operations scenario (issue 23): what a per-event `filter` and OpenTelemetry cost on the
 * fan-out path. The `fanout-2k` group's subscribers, phases and load generators, with streams that
 * have no filter and no SDK (`ours`) beside streams whose filter passes every event
 * (`ours-filter`) and a process with an OpenTelemetry SDK registered (`ours-otel`), and with
 * `--baseline` that commit (`ours-exp-baseline`): server CPU per delivery, deliveries/s and
 * latency, repetitions alternating between them.
 * @module
 */
import { type RunContext, variantsOf } from '../lib/context.js'
import type { ScenarioResult } from '../lib/results.js'
import { runFanoutTable } from './fanout.js'

/** The fan-out group whose sizes and phases this scenario reuses. */
const FANOUT_GROUP = 'fanout-2k'
/** This scenario's id. */
export const OPS_SCENARIO = 'ops-fanout-2k'

/** Runs the ops fan-out table when selected. */
export async function opsScenario(ctx: RunContext, selected: (id: string) => boolean): Promise<ScenarioResult[]> {
  if (!selected(OPS_SCENARIO)) return []
  const group = ctx.sizes.fanout.groups.find((g) => g.id === FANOUT_GROUP)
  if (!group) throw new Error(`the ${ctx.args.mode} sizes have no ${FANOUT_GROUP} group`)
  const variants = variantsOf(ctx, ['ours', 'ours-filter', 'ours-otel'])
  ctx.log(`${OPS_SCENARIO}: ${group.perTopic} subscribers, variants ${variants.join(', ')}`)
  return [
    await runFanoutTable(ctx, {
      group: { ...group, id: OPS_SCENARIO, variants },
      title: `Operations: a pass-all filter and an OpenTelemetry SDK on fan-out to ${group.perTopic.toLocaleString('en')} subscribers`,
      comparisons: [
        { label: 'ours-filter / ours', a: 'ours-filter', b: 'ours' },
        { label: 'ours-otel / ours', a: 'ours-otel', b: 'ours' },
        { label: 'ours / baseline', a: 'ours', b: 'ours-exp-baseline' },
      ],
      profiled: [],
    }),
  ]
}
