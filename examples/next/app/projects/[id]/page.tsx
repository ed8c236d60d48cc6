/**
 * `/projects/:id`: the project's live events, streamed to the browser by `durable-sse/react`'s
 * `useEvents` from `GET /api/projects/:id/events`. The stream sends the `session` cookie
 * (`session=alice-token` for the demo user alice).
 * @module
 */
import { ProjectEvents } from './project-events.js'

/** The project page (rendered per request: the segment has no static params). */
export default async function ProjectPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params
  return (
    <main>
      <h1>Project {id}</h1>
      <ProjectEvents projectId={id} />
    </main>
  )
}
