/**
 * Pack-and-install smoke test: `npm pack`, install the tarball into temporary apps the way a user
 * would, then load every entry point with `import` and `require`.
 * - A bare app (durable-sse and kysely only: no pg, mysql2, better-sqlite3, react or ai) loads `.`,
 *   `./client` and `./ai`, and `./postgres` / `./sqlite` / `./mysql` / `./nats` / `./redis` answer a clear "npm install ..." message on first use
 *   rather than a stack trace from a missing module.
 * - A full app (with the optional peers) imports and requires every subpath, and an error thrown by
 *   an adapter entry is `instanceof` the class exported by `durable-sse`, in ESM and in CJS;
 *   `durable-sse/trpc` recognises the core's errors (a closed broker becomes `SERVICE_UNAVAILABLE`).
 * Needs `npm run build` first. Exits non-zero on the first failure.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'

const root = resolve('.')
const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { exports: Record<string, unknown> }
const subpaths = Object.keys(manifest.exports).filter((subpath) => subpath !== './package.json')
/** Subpaths with a `require` condition (`./testing/vitest` is import-only: vitest refuses `require`). */
const requirable = subpaths.filter((subpath) => JSON.stringify(manifest.exports[subpath]).includes('"require"'))
const specifier = (subpath: string) => (subpath === '.' ? 'durable-sse' : `durable-sse/${subpath.slice(2)}`)
const work = mkdtempSync(join(tmpdir(), 'durable-sse-pack-'))

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

/** A new app with the tarball installed and the given peers linked from this repository. */
function app(name: string, tarball: string, peers: string[]): string {
  const dir = join(work, name)
  mkdirSync(dir)
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }))
  run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', tarball], dir)
  for (const peer of peers) {
    mkdirSync(dirname(join(dir, 'node_modules', peer)), { recursive: true }) // a scoped peer's folder
    symlinkSync(join(root, 'node_modules', peer), join(dir, 'node_modules', peer), 'dir')
  }
  return dir
}

function check(dir: string, file: string, code: string): void {
  writeFileSync(join(dir, file), code)
  try {
    process.stdout.write(run(process.execPath, [file], dir))
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string }
    throw new Error(`${file} failed in ${dir}:\n${stdout ?? ''}${stderr ?? ''}`)
  }
}

try {
  const tarball = join(
    work,
    run('npm', ['pack', '--silent', '--pack-destination', work], root).trim().split('\n').pop() as string,
  )

  const bare = app('bare-app', tarball, ['kysely'])
  check(
    bare,
    'bare.mjs',
    `import assert from 'node:assert/strict'
import { createBroker, memoryStore } from 'durable-sse'
import { createResumableStreamContext } from 'durable-sse/ai'
import { connect } from 'durable-sse/client'
import { mysqlStore } from 'durable-sse/mysql'
import { natsWake } from 'durable-sse/nats'
import { postgresStore } from 'durable-sse/postgres'
import { redisWake } from 'durable-sse/redis'
import { sqliteStore } from 'durable-sse/sqlite'
assert.equal(typeof createBroker(memoryStore()).publish, 'function')
assert.equal(typeof connect, 'function')
assert.equal(await createResumableStreamContext({ store: memoryStore() }).hasExistingStream('s'), null)
await assert.rejects(postgresStore({ connectionString: 'postgres://127.0.0.1:1/none', notify: false }).migrate(), /npm install pg/)
await assert.rejects(sqliteStore({ filename: 'x.db' }).migrate(), /npm install better-sqlite3/)
await assert.rejects(mysqlStore({ uri: 'mysql://127.0.0.1:1/none' }).migrate(), /npm install mysql2/)
const busError = (make) => new Promise((resolve) => make(resolve).open({ message() {}, status() {} }))
assert.match(String((await busError((onError) => natsWake({ servers: 'nats://127.0.0.1:1' }, { onError }))).message), /npm install nats/)
assert.match(String((await busError((onError) => redisWake({ url: 'redis://127.0.0.1:1' }, { onError }))).message), /npm install ioredis/)
console.log('bare app (ESM): ., ./client and ./ai load; ./postgres, ./sqlite, ./mysql, ./nats and ./redis name the missing client')
`,
  )
  check(
    bare,
    'bare.cjs',
    `const assert = require('node:assert/strict')
assert.equal(typeof require('durable-sse').createBroker, 'function')
assert.equal(typeof require('durable-sse/client').connect, 'function')
assert.rejects(require('durable-sse/postgres').postgresStore({ connectionString: 'postgres://127.0.0.1:1/none', notify: false }).migrate(), /npm install pg/)
  .then(() => console.log('bare app (CJS): . and ./client load; ./postgres names the missing driver'))
`,
  )

  const full = app('full-app', tarball, [
    'kysely',
    'pg',
    'mysql2',
    'better-sqlite3',
    'bindings',
    'file-uri-to-path',
    'react',
    'vitest',
    '@trpc/server',
  ])
  const imports = subpaths.map((subpath, i) => `import * as entry${i} from '${specifier(subpath)}'`).join('\n')
  check(
    full,
    'full.mjs',
    `import assert from 'node:assert/strict'
${imports}
import { BrokerClosedError, createBroker, DurableSseError, InvalidEventIdError, memoryStore } from 'durable-sse'
import { postgresStore } from 'durable-sse/postgres'
import { trpcEvents } from 'durable-sse/trpc'
${subpaths.map((_, i) => `assert.ok(Object.keys(entry${i}).length > 0)`).join('\n')}
const error = await postgresStore({ connectionString: 'postgres://127.0.0.1:1/none', notify: false })
  .readAfter([{ topic: 't', after: 'not an id' }], 1).catch((e) => e)
assert.ok(error instanceof InvalidEventIdError, String(error))
assert.ok(error instanceof DurableSseError)
const closed = createBroker(memoryStore())
await closed.close()
const refused = await trpcEvents(closed, 't').catch((e) => e)
assert.equal(refused.code, 'SERVICE_UNAVAILABLE', String(refused)) // durable-sse/trpc recognised the core's class
assert.ok(refused.cause instanceof BrokerClosedError)
console.log('full app (ESM): every subpath imports; adapter and tRPC errors are instanceof the core classes')
`,
  )
  check(
    full,
    'full.cjs',
    `const assert = require('node:assert/strict')
${requirable.map((subpath) => `assert.ok(Object.keys(require('${specifier(subpath)}')).length > 0)`).join('\n')}
const { DurableSseError, InvalidEventIdError } = require('durable-sse')
require('durable-sse/postgres').postgresStore({ connectionString: 'postgres://127.0.0.1:1/none', notify: false })
  .readAfter([{ topic: 't', after: 'not an id' }], 1)
  .then(() => assert.fail('readAfter accepted a malformed id'), (error) => {
    assert.ok(error instanceof InvalidEventIdError, String(error))
    assert.ok(error instanceof DurableSseError)
    console.log('full app (CJS): every subpath requires; adapter errors are instanceof the core classes')
  })
`,
  )
} finally {
  rmSync(work, { recursive: true, force: true })
}
