/**
 * The root layout of the Next.js example's pages.
 * @module
 */
import type { ReactNode } from 'react'

/** The document around every page. */
export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  )
}
