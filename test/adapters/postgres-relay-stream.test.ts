/**
 * The relay's decoding, against a real `pgoutput` slot on a scratch cluster with
 * `wal_level=logical`: the decoder reads what the server emits (peeked through the SQL interface),
 * and a replication stream hands on exactly the committed inserts of the published table, one
 * call per transaction, and acknowledges them so the slot's confirmed position moves.
 */
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { decodePgOutput, type PgOutputMessage } from '../../adapters/postgres/pgoutput-decoder.js'
import { type CommittedRow, streamSlot } from '../../adapters/postgres/relay-stream.js'
import { describeScratchPostgres } from '../helpers/describe-scratch-postgres.js'
import { until } from '../helpers/wait.js'

describeScratchPostgres('pgoutput decoding and the replication stream', { config: ['fsync = off'] }, (cluster) => {
  let admin: pg.Pool
  const replicationClients: pg.Client[] = []

  beforeAll(async () => {
    admin = new pg.Pool({ connectionString: cluster().url() })
    await admin.query('CREATE SCHEMA app')
    await admin.query('CREATE TABLE app.events (topic text NOT NULL, seq bigint NOT NULL, note text, PRIMARY KEY (topic, seq))')
    await admin.query('CREATE TABLE app.other (id int PRIMARY KEY)')
    await admin.query('CREATE PUBLICATION relay_pub FOR TABLE app.events')
  })
  afterAll(async () => {
    for (const client of replicationClients) await client.end().catch(() => {})
    await admin?.end()
  })

  const createSlot = async (name: string): Promise<void> => {
    await admin.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [name])
  }

  it('decodes Begin, Relation, Insert (text and NULL values) and Commit as the server emits them', async () => {
    await createSlot('peeked')
    const client = await admin.connect()
    try {
      await client.query('BEGIN')
      await client.query(`INSERT INTO app.events VALUES ('a', 1, 'first'), ('a', 2, NULL)`)
      await client.query('COMMIT')
    } finally {
      client.release()
    }
    const { rows } = await admin.query<{ data: Buffer }>(
      `SELECT data FROM pg_logical_slot_peek_binary_changes('peeked', NULL, NULL, 'proto_version', '1', 'publication_names', 'relay_pub')`,
    )
    const messages = rows.map((row) => decodePgOutput(row.data))
    expect(messages.map((message) => message.kind)).toEqual(['begin', 'relation', 'insert', 'insert', 'commit'])
    const relation = messages[1] as Extract<PgOutputMessage, { kind: 'relation' }>
    expect(relation).toMatchObject({ namespace: 'app', name: 'events' })
    expect(relation.columns.map((column) => [column.name, column.key])).toEqual([
      ['topic', true],
      ['seq', true],
      ['note', false],
    ])
    expect(messages.slice(2, 4)).toEqual([
      { kind: 'insert', relationId: relation.relationId, values: ['a', '1', 'first'] },
      { kind: 'insert', relationId: relation.relationId, values: ['a', '2', null] },
    ])
    const begin = messages[0] as Extract<PgOutputMessage, { kind: 'begin' }>
    const commit = messages[4] as Extract<PgOutputMessage, { kind: 'commit' }>
    expect(commit.commitLsn).toBe(begin.finalLsn)
    expect(commit.endLsn).toBeGreaterThan(commit.commitLsn)
  })

  it('streams committed inserts of the published table once per transaction, never a rolled-back one, and acknowledges them', async () => {
    await createSlot('streamed')
    const client = new pg.Client({ connectionString: cluster().url(), replication: 'database' } as pg.ClientConfig)
    replicationClients.push(client)
    await client.connect()
    const transactions: CommittedRow[][] = []
    const stream = streamSlot(client as never, {
      slot: 'streamed',
      publication: 'relay_pub',
      table: { schema: 'app', name: 'events' },
      statusIntervalMs: 50,
      onCommit: (rows) => transactions.push(rows),
    })

    const writer = await admin.connect()
    try {
      await writer.query('BEGIN')
      await writer.query(`INSERT INTO app.events VALUES ('b', 1, 'x'), ('b', 2, 'y')`)
      await writer.query('COMMIT')
      await writer.query('BEGIN')
      await writer.query(`INSERT INTO app.events VALUES ('b', 3, 'rolled back')`)
      await writer.query('ROLLBACK')
      await writer.query('INSERT INTO app.other VALUES (1)') // not in the publication
      await writer.query(`INSERT INTO app.events VALUES ('c', 1, 'z')`)
    } finally {
      writer.release()
    }
    const [{ lsn }] = (await admin.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows as [{ lsn: string }]

    await until(() => transactions.length >= 2, 5_000, 'two transactions streamed')
    expect(transactions).toEqual([
      [
        { topic: 'b', seq: '1', note: 'x' },
        { topic: 'b', seq: '2', note: 'y' },
      ],
      [{ topic: 'c', seq: '1', note: 'z' }],
    ])
    // The acknowledgement moves the slot past every commit handed on.
    await until(
      async () =>
        (
          await admin.query(
            `SELECT 1 FROM pg_replication_slots WHERE slot_name = 'streamed' AND confirmed_flush_lsn >= $1::pg_lsn`,
            [lsn],
          )
        ).rowCount === 1,
      5_000,
      'the slot to confirm the streamed commits',
    )

    stream.stop()
    await stream.done
    expect(transactions).toHaveLength(2)
  })

  it('acknowledges WAL that holds nothing published (keepalives between transactions), so the slot retains little while the table is quiet', async () => {
    await createSlot('quiet')
    const client = new pg.Client({ connectionString: cluster().url(), replication: 'database' } as pg.ClientConfig)
    replicationClients.push(client)
    await client.connect()
    const stream = streamSlot(client as never, {
      slot: 'quiet',
      publication: 'relay_pub',
      table: { schema: 'app', name: 'events' },
      statusIntervalMs: 50,
      onCommit: () => {
        throw new Error('nothing of the published table was committed')
      },
    })
    await admin.query('CREATE TABLE app.bulk (n int, pad text)')
    await admin.query(`INSERT INTO app.bulk SELECT g, repeat('x', 500) FROM generate_series(1, 20000) g`)
    const [{ lsn }] = (await admin.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows as [{ lsn: string }]
    await until(
      async () =>
        (
          await admin.query(
            `SELECT 1 FROM pg_replication_slots WHERE slot_name = 'quiet' AND confirmed_flush_lsn >= $1::pg_lsn`,
            [lsn],
          )
        ).rowCount === 1,
      10_000,
      'the slot to confirm WAL past the unpublished writes',
    )
    stream.stop()
    await stream.done
  })
})
