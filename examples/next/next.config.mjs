// Next.js config of the example: better-sqlite3 is a native module, so Next must not bundle it.
/** @type {import('next').NextConfig} */
export default { serverExternalPackages: ['better-sqlite3'] }
