import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'

describe('broker.close()', () => {
  it.each([
    ['one topic', 1],
    ['3 of 10 topics', 3],
  ])(
    'with 1,000 open streams of %s each and publishes in flight: publishes resolve durably or reject, every stream ends with retry:, the process exits by itself',
    async (_name, topicsPerStream) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/close-under-load.ts', String(topicsPerStream)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      let output = ''
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString()
      })
      const exitCode = await new Promise<number | null>((resolve, reject) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL')
          reject(new Error(`the process did not exit by itself; it printed: ${output}`))
        }, 25_000)
        child.on('exit', (code) => {
          clearTimeout(timer)
          resolve(code)
        })
      })
      expect(exitCode).toBe(0)
      const summary = JSON.parse(output.trim().split('\n').pop() as string)
      expect(summary.subscribersBefore).toBe(1_000)
      expect(summary.subscribersAfter).toBe(0)
      expect(summary.ended).toBe(1_000)
      expect(summary.sawFarewell).toBe(1_000)
      expect(summary.resolved + summary.rejected.length).toBe(300)
      expect(summary.durable).toBe(summary.resolved)
      expect(new Set(summary.rejected)).toEqual(new Set(summary.rejected.length ? ['BROKER_CLOSED'] : []))
    },
    40_000,
  )
})
