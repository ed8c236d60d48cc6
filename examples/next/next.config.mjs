// Next.js config of the example. better-sqlite3 is a native module, so Next must not bundle it.
// The example imports the library's sources from the repository (../../src), so the repository
// is Turbopack's root.
import { fileURLToPath } from 'node:url'

/** @type {import('next').NextConfig} */
export default {
  serverExternalPackages: ['better-sqlite3'],
  turbopack: { root: fileURLToPath(new URL('../..', import.meta.url)) },
}
