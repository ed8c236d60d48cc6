/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): the heaviest functions by self time,
 * and self time grouped by area (durable-sse, Node's http/net/streams, GC, ...). Frames of the
 * compiled bundles are mapped back to their TypeScript file and line through the bundles'
 * source maps. Idle time (and a window profile's own inspector session) is left out of the percentages.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs'
import { SourceMap } from 'node:module'
import { dirname, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ProfileSummary } from './results.js'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const maps = new Map<string, SourceMap | undefined>()

/** The source map of a bundle URL, read once (undefined when it has none). */
function mapOf(url: string): SourceMap | undefined {
  if (!maps.has(url)) {
    const file = url.startsWith('file://') ? fileURLToPath(url) : url
    const mapFile = `${file}.map`
    maps.set(url, existsSync(mapFile) ? new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8'))) : undefined)
  }
  return maps.get(url)
}

/** The frame's original location (`/src/poller.ts`, 0-based line) when a bundle's source map knows it. */
function original(url: string, line: number, column: number): { url: string; line: number } {
  if (!url.endsWith('.mjs')) return { url, line }
  const entry = mapOf(url)?.findEntry(line, column) as { originalSource?: string; originalLine?: number } | undefined
  if (!entry?.originalSource) return { url, line }
  const bundle = url.startsWith('file://') ? fileURLToPath(url) : url
  const source = entry.originalSource.startsWith('file://')
    ? fileURLToPath(entry.originalSource)
    : resolve(dirname(bundle), entry.originalSource)
  return { url: `/${relative(ROOT, source)}`, line: entry.originalLine ?? line }
}

interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

/** Which part of the stack a frame belongs to. */
function areaOf(fn: string, url: string): string {
  if (fn === '(idle)') return 'idle'
  if (fn === 'dispatch' && !url) return 'profiler' // the inspector session of a window profile (`profileStop`)
  if (fn === '(garbage collector)') return 'GC'
  if (!url && /^(writev|writeBuffer|writeUtf8String|writeLatin1String|writeAsciiString)$/.test(fn)) return 'socket write syscalls'
  if (fn === '(program)' || (!url && fn.startsWith('('))) return 'V8/native'
  if (url.includes('/src/sse/')) return 'durable-sse src/sse'
  if (url.includes('/src/')) return 'durable-sse core'
  if (url.includes('/adapters/')) return 'durable-sse adapters'
  if (url.includes('/bench/')) return 'benchmark harness'
  if (url.includes('node_modules/')) return `dep ${url.split('node_modules/')[1]?.split('/')[0] ?? ''}`
  if (url.startsWith('node:')) {
    const module = url.slice('node:'.length).split('/').slice(-1)[0] ?? url
    if (/^(_http|http)/.test(module)) return 'node:http'
    if (/^(net|stream_base|tcp)/.test(module)) return 'node:net'
    if (/^(writable|readable|duplex|destroy|end-of-stream|legacy)/.test(module)) return 'node:streams'
    if (/task_queues|promises|async_hooks|timers/.test(module)) return 'node:promises/timers'
    return 'node:other'
  }
  return url ? 'other JS' : 'V8/native'
}

/** Reads and summarises a profile file. */
export function summarizeProfile(name: string, file: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
  const byNode = new Map<number, number>()
  profile.samples.forEach((id, i) => {
    byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  })
  const byFunction = new Map<string, { fn: string; where: string; us: number; area: string }>()
  const byArea = new Map<string, number>()
  let totalUs = 0
  for (const node of profile.nodes) {
    const us = byNode.get(node.id) ?? 0
    if (us === 0) continue
    const { functionName, lineNumber: bundleLine, columnNumber } = node.callFrame
    const { url, line: lineNumber } = original(node.callFrame.url, bundleLine, columnNumber)
    const fn = functionName || '(anonymous)'
    const area = areaOf(fn, url)
    if (area === 'idle' || area === 'profiler') continue
    totalUs += us
    const where = url ? `${url.replace(/^.*\/(src|adapters|bench|node_modules)\//, '$1/')}:${lineNumber + 1}` : ''
    const key = `${fn}@${where}`
    const entry = byFunction.get(key) ?? { fn, where, us: 0, area }
    entry.us += us
    byFunction.set(key, entry)
    byArea.set(area, (byArea.get(area) ?? 0) + us)
  }
  const pct = (us: number): number => Math.round((us / Math.max(1, totalUs)) * 1000) / 10
  return {
    name,
    totalMs: Math.round(totalUs / 1000),
    top: [...byFunction.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ fn: f.fn, where: f.where, selfMs: Math.round(f.us / 100) / 10, selfPct: pct(f.us) })),
    byArea: [...byArea].sort((a, b) => b[1] - a[1]).map(([area, us]) => ({ area, selfPct: pct(us) })),
  }
}
