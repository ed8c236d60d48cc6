import { readFileSync } from 'node:fs'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import * as root from '../src/index.js'

/** Every name `src/index.ts` exports, values and types alike (it re-exports by name: no `export *`). */
function exportedNames(): string[] {
  const file = ts.createSourceFile('index.ts', readFileSync('src/index.ts', 'utf8'), ts.ScriptTarget.Latest)
  const names: string[] = []
  for (const statement of file.statements) {
    if (!ts.isExportDeclaration(statement)) continue
    const clause = statement.exportClause
    if (!clause || !ts.isNamedExports(clause)) throw new Error('src/index.ts has an `export *`: exports must be named')
    for (const element of clause.elements) names.push(element.name.text)
  }
  return names
}

/** The delivery machinery: how events reach a stream today, not what users call or adapters implement. */
const INTERNALS = [
  'Batch',
  'Envelope',
  'Connection',
  'Subscriber',
  'TopicPosition',
  'ConnectionLimits',
  'Poller',
  'PollerOptions',
  'RecordScreen',
  'Sink',
  'EndReason',
  'BatchSink',
  'ByteSink',
  'Connections',
  'ConnectionContext',
  'PageReader',
  'StorePages',
  'Follower',
  'PositionState',
  'SseWriter',
  'StreamCursor',
  'StreamServer',
  'Publisher',
  'FailureLog',
]

describe('the root export', () => {
  it('names none of the delivery internals, as a value or a type', () => {
    const names = exportedNames()
    expect(names).toContain('createBroker') // the parse found the exports
    expect(names).toContain('EventStore')
    expect(names.filter((name) => INTERNALS.includes(name))).toEqual([])
    expect(Object.keys(root).filter((name) => INTERNALS.includes(name))).toEqual([])
  })
})
