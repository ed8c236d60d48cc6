/**
 * A benchmark server process: hosts one SSE target (ours, a ceiling, or the peer) and publishes
 * on command with an open-loop schedule in this process.
 * @module
 */
import { sleep } from '../lib/clock.js'
import { runOpenLoop } from '../lib/open-loop.js'
import { payload } from '../lib/payload.js'
import { commonCommands } from '../lib/server-commands.js'
import { serve, startArgs } from '../lib/worker.js'
import { startTarget } from '../targets/index.js'
import type { TargetConfig } from '../targets/target.js'

/** Arguments of the `publish` command. */
export interface PublishCommand {
  /** Events per second, across all topics. */
  rate: number
  /** Events in total; event `i` goes to `topics[i % topics.length]`. */
  count: number
  /** Topics to publish to. */
  topics: string[]
  /** Approximate payload JSON size, bytes. */
  payloadBytes: number
  /** Upper bound of the schedule, ms. */
  maxMs: number
}

const target = await startTarget(startArgs<TargetConfig>())

serve({
  ...commonCommands,
  listen: async () => ({ port: await target.listen() }),
  subscribers: () => ({ subscribers: target.subscribers() }),
  waitSubscribers: async ({ count, timeoutMs }: { count: number; timeoutMs: number }) => {
    const deadline = Date.now() + timeoutMs
    while (target.subscribers() < count && Date.now() < deadline) await sleep(10)
    return { subscribers: target.subscribers() }
  },
  publish: async (command: PublishCommand) => {
    const errorsBefore = target.errors()
    const result = await runOpenLoop({
      rate: command.rate,
      count: command.count,
      maxMs: command.maxMs,
      onDue: (due) =>
        target.publish(
          due.map(({ seq, t }) => ({
            topic: command.topics[seq % command.topics.length] as string,
            seq,
            payload: payload(t, command.payloadBytes),
          })),
        ),
    })
    return { ...result, errors: target.errors() - errorsBefore }
  },
  stats: () => target.stats(),
})
