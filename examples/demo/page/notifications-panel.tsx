/**
 * The signed-in user's notifications, kept up to date by the `notification` events of the user's
 * topic (the same stream as the project's events), and a form that sends the user one.
 * @module
 */
import { type FormEvent, useState } from 'react'
import { MAX_NOTIFICATION_LENGTH, type Notification } from '../events.js'
import { PublishNote, usePublishing } from './publish-note.js'

/** Lists the notifications (`null` while they load) and sends new ones. */
export function NotificationsPanel({ userId, notifications }: { userId: string; notifications: Notification[] | null }) {
  const [text, setText] = useState('Your preview is ready')
  const publishing = usePublishing()

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    await publishing.publish('/api/me/notifications', { text }, (id) => `Published event ${id} to your topic.`)
  }

  return (
    <section className="card" data-testid="notifications-panel">
      <h2>Notifications for {userId}</h2>
      <form onSubmit={submit} data-testid="notification-form">
        <div className="row">
          <label htmlFor="notification-text">Send yourself one</label>
          <input
            id="notification-text"
            value={text}
            maxLength={MAX_NOTIFICATION_LENGTH}
            onChange={(e) => setText(e.target.value)}
            required
          />
        </div>
        <PublishNote publishing={publishing} label="Notify me" busyLabel="Sending…" noteTestId="notification-note" />
      </form>
      {notifications === null ? (
        <p className="empty">Loading notifications…</p>
      ) : notifications.length === 0 ? (
        <p className="empty">No notifications yet.</p>
      ) : (
        <ul className="items" data-testid="notifications">
          {notifications.map((item) => (
            <li key={item.id} data-notification-id={item.id}>
              {item.text}
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
