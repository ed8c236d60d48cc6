/** A broker over a Postgres store in the test file's schema, closed (before its store) after the file. */

import type { PostgresStore, PostgresStoreOptions } from '../../../adapters/postgres/index.js'
import { type Broker, type BrokerOptions, createBroker } from '../../../src/index.js'
import type { PostgresTestDatabase } from '../../helpers/postgres.js'

/** A broker, its store, and the errors the broker reported through `onError`. */
export interface TestBroker {
  broker: Broker
  store: PostgresStore
  errors: unknown[]
}

/** Makes a migrated store (small pool) and a broker over it; both are closed at the end of the file. */
export async function pgBroker(
  database: PostgresTestDatabase,
  storeOptions: Partial<PostgresStoreOptions> = {},
  brokerOptions: BrokerOptions = {},
): Promise<TestBroker> {
  const store = await database.store({ poolConfig: { max: 4 }, ...storeOptions } as Partial<PostgresStoreOptions>)
  const errors: unknown[] = []
  const broker = createBroker(store, { heartbeatMs: 0, onError: (error) => errors.push(error), ...brokerOptions })
  database.defer(() => broker.close())
  return { broker, store, errors }
}
