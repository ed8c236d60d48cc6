/**
 * The page's writes: a JSON `POST` to the app's API, which publishes the matching event.
 * @module
 */

/** POSTs `body` as JSON to `url`; resolves with the id of the event the app published, rejects with the app's answer when refused. */
export async function post(url: string, body: unknown): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  })
  if (!response.ok) throw new Error(`${response.status} ${await response.text()}`)
  return ((await response.json()) as { id: string }).id
}
