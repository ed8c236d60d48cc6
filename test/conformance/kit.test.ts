/** The conformance kit itself: stable, unique ids, strict selection, and no vitest outside its vitest entry. */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import type { EventStoreCaseId } from '../../src/testing/index.js'
import { eventStoreCases, runEventStoreCase, selectEventStoreCases } from '../../src/testing/index.js'

const testingDir = fileURLToPath(new URL('../../src/testing/', import.meta.url))

/** Every .ts file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  )
}

describe('durable-sse/testing', () => {
  it('has unique kebab-case case ids, each with a title', () => {
    const ids = eventStoreCases.map((testCase) => testCase.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const testCase of eventStoreCases) {
      expect(testCase.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/)
      expect(testCase.title.length).toBeGreaterThan(10)
    }
  })

  it('selects cases by capability and skip list, and refuses unknown names', () => {
    const all = selectEventStoreCases({
      capabilities: ['transactions', 'atomic', 'wake', 'foreign-ids', 'shared', 'changes', 'snapshot'],
    })
    expect(all.run).toHaveLength(eventStoreCases.length)
    const none = selectEventStoreCases({ skip: ['read-limit'] })
    expect(none.run.every((testCase) => testCase.requires.length === 0 && testCase.id !== 'read-limit')).toBe(true)
    expect(none.skipped.find((skipped) => skipped.case.id === 'read-limit')?.reason).toBe('skipped')
    expect(none.skipped.find((skipped) => skipped.case.id === 'wake-after-append')?.reason).toBe('needs wake')
    expect(() => selectEventStoreCases({ skip: ['no-such-case' as EventStoreCaseId] })).toThrow(TypeError)
    expect(() => selectEventStoreCases({ capabilities: ['telepathy' as 'wake'] })).toThrow(TypeError)
  })

  it('names the missing fixture hook when a declared capability lacks it', async () => {
    const { memoryStore } = await import('../../src/index.js')
    const testCase = eventStoreCases.find((c) => c.id === 'transaction-commit-visible')
    if (!testCase) throw new Error('case transaction-commit-visible is missing')
    await expect(runEventStoreCase(testCase, () => ({ store: memoryStore() }))).rejects.toThrow(/withTransaction/)
  })

  it('imports vitest only in src/testing/vitest.ts, so durable-sse/testing loads without it', () => {
    const importers = sources(testingDir)
      .filter((file) => /from ['"]vitest['"]|import\(['"]vitest['"]\)/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(testingDir, file))
    expect(importers).toEqual(['vitest.ts'])
  })
})

describe('src/testing/README.md', () => {
  it('documents every case id with its capabilities and title', () => {
    const readme = readFileSync(join(testingDir, 'README.md'), 'utf8')
    for (const testCase of eventStoreCases) {
      const needs = testCase.requires.map((capability) => `\`${capability}\``).join(', ') || '—'
      expect(readme).toContain(`| \`${testCase.id}\` | ${needs} | ${testCase.title} |`)
    }
  })
})
