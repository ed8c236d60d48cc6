/**
 * The frame of the broker's property tests: random command sequences, each run on a fresh broker
 * over a memory store whose reads finish after a random number of event-loop turns, so reads,
 * polls and publishes interleave differently in every run.
 */
import fc from 'fast-check'
import { type Broker, type BrokerOptions, createBroker, type EventStore, memoryStore } from '../../src/index.js'
import { withReadLatency } from './read-latency.js'

/** Checks `property` on `runs` random sequences of 1 to 40 `command`s, each on a fresh broker with `options`, closed after it. */
export async function checkInterleavings<Command>(
  command: fc.Arbitrary<Command>,
  options: BrokerOptions,
  runs: number,
  property: (commands: Command[], broker: Broker, store: EventStore) => Promise<void>,
): Promise<void> {
  await fc.assert(
    fc.asyncProperty(
      fc.array(command, { minLength: 1, maxLength: 40 }),
      fc.array(fc.nat({ max: 4 }), { minLength: 1 }),
      async (commands, turns) => {
        const store = withReadLatency(memoryStore(), turns)
        const broker = createBroker(store, options)
        try {
          await property(commands, broker, store)
        } finally {
          await broker.close()
        }
      },
    ),
    { numRuns: runs, interruptAfterTimeLimit: 20_000 },
  )
}
