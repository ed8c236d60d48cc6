/**
 * `POST /api/projects/:id/sessions/:sessionId/status` with `{ "status": "running" }`: calls
 * `SessionService.updateStatus`, which publishes `session_updated` inside its transaction.
 * @module
 */
import { webCredentials } from '../../../../../../../../shared/auth.js'
import { updateStatus } from '../../../../../../../../shared/status-update.js'
import { nextApp } from '../../../../../../../lib/app.js'

/** Runs on Node.js (better-sqlite3). */
export const runtime = 'nodejs'

/** Updates the session's status; answers the stored event (its `id` is the SSE id). */
export async function POST(
  request: Request,
  { params }: { params: Promise<{ id: string; sessionId: string }> },
): Promise<Response> {
  const { id, sessionId } = await params
  const reply = await updateStatus(await nextApp(), {
    projectId: id,
    collection: 'sessions',
    itemId: sessionId,
    body: await request.json().catch(() => undefined),
    credentials: webCredentials(request.headers),
  })
  return Response.json(reply.body, { status: reply.status })
}
