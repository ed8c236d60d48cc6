/**
 * The AI SDK's chat (`AbstractChat`, the class under React's `useChat`) with a plain in-memory
 * state, as `@ai-sdk/react` gives it a React one: `sendMessage`, `stop` and `resumeStream` run
 * the AI SDK's own code, including how a resumed replay replaces the interrupted message.
 */
import { AbstractChat, type ChatInit, type ChatState, type ChatStatus, type UIMessage } from 'ai'

/** A chat state kept in plain fields. */
class PlainChatState implements ChatState<UIMessage> {
  status: ChatStatus = 'ready'
  error: Error | undefined = undefined
  messages: UIMessage[]

  constructor(messages: UIMessage[]) {
    this.messages = messages
  }

  pushMessage = (message: UIMessage) => {
    this.messages = [...this.messages, message]
  }

  popMessage = () => {
    this.messages = this.messages.slice(0, -1)
  }

  replaceMessage = (index: number, message: UIMessage) => {
    this.messages = this.messages.map((existing, i) => (i === index ? message : existing))
  }

  snapshot = <T>(thing: T): T => structuredClone(thing)
}

/** A chat as `useChat` holds one, outside React. */
export class TestChat extends AbstractChat<UIMessage> {
  constructor(init: ChatInit<UIMessage>) {
    super({ ...init, state: new PlainChatState(init.messages ?? []) })
  }
}
