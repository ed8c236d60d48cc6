/** Waiting for a condition in tests without sleeping blindly. */

/** Resolves once `condition()` is true, checking every few ms; rejects after `timeoutMs`. */
export async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** Takes `count` items from an async iterator, failing after `timeoutMs`. */
export async function take<T>(iterator: AsyncIterator<T>, count: number, timeoutMs = 5_000): Promise<T[]> {
  const items: T[] = []
  const deadline = Date.now() + timeoutMs
  while (items.length < count) {
    const remaining = deadline - Date.now()
    let timer: ReturnType<typeof setTimeout> | undefined
    const next = await Promise.race([
      iterator.next(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${items.length}/${count} items`)), Math.max(0, remaining))
      }),
    ]).finally(() => clearTimeout(timer))
    if (next.done) throw new Error(`iterator ended after ${items.length}/${count} items`)
    items.push(next.value)
  }
  return items
}
