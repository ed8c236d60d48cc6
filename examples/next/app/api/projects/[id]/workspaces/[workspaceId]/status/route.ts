/**
 * `POST /api/projects/:id/workspaces/:workspaceId/status` with `{ "status": "ready" }`: calls
 * `WorkspaceService.updateStatus`, which publishes `workspace_updated` inside its transaction.
 * @module
 */
import { webCredentials } from '../../../../../../../../shared/auth.js'
import { updateStatus } from '../../../../../../../../shared/status-update.js'
import { nextApp } from '../../../../../../../lib/app.js'

/** Runs on Node.js (better-sqlite3). */
export const runtime = 'nodejs'

/** Updates the workspace's status; answers the stored event (its `id` is the SSE id). */
export async function POST(
  request: Request,
  { params }: { params: Promise<{ id: string; workspaceId: string }> },
): Promise<Response> {
  const { id, workspaceId } = await params
  const reply = await updateStatus(await nextApp(), {
    projectId: id,
    collection: 'workspaces',
    itemId: workspaceId,
    body: await request.json().catch(() => undefined),
    credentials: webCredentials(request.headers),
  })
  return Response.json(reply.body, { status: reply.status })
}
