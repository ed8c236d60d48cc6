/**
 * The project's current sessions and workspaces, kept up to date by events.
 * @module
 */
import type { Item, ProjectState } from '../events.js'

function Items({ title, items }: { title: string; items: readonly Item[] }) {
  return (
    <section>
      <h2>{title}</h2>
      <ul className="items">
        {items.map((item) => (
          <li key={item.id} data-item-id={item.id}>
            <span>
              <span className="name">{item.name}</span>
              <br />
              <span className="sub mono">{item.id}</span>
            </span>
            <span className="badge" data-testid="item-status">
              {item.status}
            </span>
          </li>
        ))}
      </ul>
    </section>
  )
}

/** Shows the state; `null` while it loads. */
export function StatePanel({ state }: { state: ProjectState | null }) {
  if (!state) return <div className="card">Loading state…</div>
  return (
    <div className="card stack">
      <Items title="Sessions" items={state.sessions} />
      <Items title="Workspaces" items={state.workspaces} />
    </div>
  )
}
