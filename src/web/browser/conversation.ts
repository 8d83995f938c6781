/**
 * The conversation on screen: its detail (lead, summary, window), messages, follow-ups and, on
 * demand, its activity (the HTL's decision per turn). Live events of this conversation update
 * it in place: a new message is appended, a status changes, a decision shows up.
 */
import type { MessageItem, MessagePage } from "../../domain/dashboard/conversations.ts"
import type { ActivityItem, ConversationDetail, FollowUpItem, TemplateItem } from "../../domain/dashboard/inbox.ts"
import type { DomainEvent } from "../../domain/events.ts"
import { onEvent, onResume, rpc } from "./live.ts"
import { upsert } from "./inbox.ts"
import { store } from "./store.ts"

export interface OpenConversation {
  readonly id: string
  readonly detail: ConversationDetail | null
  readonly messages: ReadonlyArray<MessageItem>
  readonly followUps: ReadonlyArray<FollowUpItem>
  /** null while decisions are hidden */
  readonly activity: ReadonlyArray<ActivityItem> | null
  readonly activityMore: string | null
  readonly loading: boolean
  readonly error: string | null
}

export const current = store<OpenConversation | null>(null)
export const templates = store<ReadonlyArray<TemplateItem> | null>(null)

const errorText = (error: unknown) => error instanceof Error ? error.message : String(error)

/** At most this many messages are read (the newest are what a person needs). */
const MAX_PAGES = 20

const readMessages = async (id: string) => {
  const all: Array<MessageItem> = []
  let cursor: string | null = null
  for (let page = 0; page < MAX_PAGES; page++) {
    const after: string | null = cursor
    const result: MessagePage = await rpc((r) => r["conversations.messages"]({ id, limit: 100, ...(after === null ? {} : { cursor: after }) }))
    all.push(...result.items)
    cursor = result.next_cursor
    if (cursor === null) break
  }
  return all
}

const update = (id: string, f: (c: OpenConversation) => OpenConversation) =>
  current.set((c) => c === null || c.id !== id ? c : f(c))

export const loadDetail = async (id: string) => {
  try {
    const detail = await rpc((r) => r["conversations.get"]({ id }))
    update(id, (c) => ({ ...c, detail }))
    upsert(detail.conversation)
  } catch (error) {
    update(id, (c) => ({ ...c, error: errorText(error) }))
  }
}

export const loadFollowUps = async (id: string) => {
  try {
    const list = await rpc((r) => r["conversations.followups"]({ id }))
    update(id, (c) => ({ ...c, followUps: list.items }))
  } catch (error) {
    update(id, (c) => ({ ...c, error: errorText(error) }))
  }
}

export const loadActivity = async (id: string, more = false) => {
  const cursor = more ? current.get()?.activityMore ?? null : null
  try {
    const page = await rpc((r) => r["conversations.activity"]({ id, limit: 50, ...(cursor === null ? {} : { cursor }) }))
    update(id, (c) => ({
      ...c,
      activity: more && c.activity !== null ? [...c.activity, ...page.items] : page.items,
      activityMore: page.next_cursor
    }))
  } catch (error) {
    update(id, (c) => ({ ...c, error: errorText(error) }))
  }
}

export const open = async (id: string) => {
  if (current.get()?.id === id) return
  current.set({ id, detail: null, messages: [], followUps: [], activity: null, activityMore: null, loading: true, error: null })
  try {
    const [messages] = await Promise.all([readMessages(id), loadDetail(id), loadFollowUps(id)])
    update(id, (c) => ({ ...c, messages: merge(messages, c.messages), loading: false }))
  } catch (error) {
    update(id, (c) => ({ ...c, loading: false, error: errorText(error) }))
  }
}

export const close = () => current.set(null)

/** Reads the messages again until none of the bot's is still sending (a few times, further apart). */
const settle = async (id: string, attempt: number) => {
  await reloadMessages(id)
  const c = current.get()
  const sending = c !== null && c.id === id && c.messages.some((m) => m.message_from === "BOT" && m.status === "pending")
  if (sending && attempt < 4) soon(`messages:${id}`, () => void settle(id, attempt + 1), 1500 * 2 ** (attempt + 1))
}

const reloadMessages = async (id: string) => {
  try {
    const messages = await readMessages(id)
    update(id, (c) => ({ ...c, messages: merge(c.messages, messages) }))
  } catch {
    // the next event or visit reads them again
  }
}

export const showActivity = (id: string, show: boolean) => {
  if (!show) return update(id, (c) => ({ ...c, activity: null, activityMore: null }))
  update(id, (c) => ({ ...c, activity: c.activity ?? [] }))
  return void loadActivity(id)
}

/** Messages by id, oldest first (a live one may arrive before the read that also has it). */
const merge = (a: ReadonlyArray<MessageItem>, b: ReadonlyArray<MessageItem>) => {
  const byId = new Map<string, MessageItem>()
  for (const m of [...a, ...b]) byId.set(m.id, { ...byId.get(m.id), ...m })
  return [...byId.values()].sort((x, y) => Date.parse(x.created_at) - Date.parse(y.created_at) || (x.id < y.id ? -1 : 1))
}

/** A sent message (the server's answer) joins the list at once. */
export const addMessage = (id: string, message: MessageItem) =>
  update(id, (c) => ({ ...c, messages: merge(c.messages, [message]) }))

export const replaceFollowUp = (id: string, item: FollowUpItem) =>
  update(id, (c) => ({ ...c, followUps: c.followUps.map((f) => f.id === item.id ? item : f) }))

export const loadTemplates = async () => {
  if (templates.get() !== null) return
  try {
    templates.set((await rpc((r) => r["organization.templates"]())).items)
  } catch {
    templates.set([])
  }
}

const timers = new Map<string, number>()
const soon = (key: string, f: () => void, ms = 300) => {
  window.clearTimeout(timers.get(key))
  timers.set(key, window.setTimeout(() => {
    timers.delete(key)
    f()
  }, ms))
}

const apply = (event: DomainEvent) => {
  const c = current.get()
  if (c === null || event.conversationId !== c.id) return
  const id = c.id
  switch (event._tag) {
    case "MessageStored": {
      const known = c.messages.find((m) => m.id === event.messageId)
      if (known === undefined) {
        addMessage(id, {
          id: event.messageId,
          message_from: event.from,
          content: event.content,
          type: event.type,
          status: event.from === "LEAD" ? "received" : "pending",
          wamid: null,
          created_at: new Date(event.at.epochMilliseconds).toISOString(),
          error_code: null,
          error_title: null,
          sent_by_user_id: null
        })
      }
      if (event.from === "LEAD") soon(`detail:${id}`, () => void loadDetail(id))
      // a send that failed has no status event (no wamid): read them again shortly
      if (event.from === "BOT") soon(`messages:${id}`, () => void settle(id, 0), 1500)
      return
    }
    case "MessageStatusChanged":
      // a failure's title (why) comes with the message itself
      if (event.status === "failed") soon(`messages:${id}`, () => void reloadMessages(id))
      return update(id, (o) => ({
        ...o,
        messages: o.messages.map((m) =>
          m.id === event.messageId
            ? { ...m, status: event.status, wamid: event.wamid, error_code: event.errorCode, ...(event.status === "failed" ? {} : { error_title: null }) }
            : m
        )
      }))
    case "TurnDecided":
      if (c.activity !== null) soon(`activity:${id}`, () => void loadActivity(id), 1500)
      // the turn's state (stage, intent, sentiment) and then its summary are written after it
      soon(`detail:${id}`, () => void loadDetail(id), 1500)
      return
    case "FollowUpChanged":
      return soon(`followups:${id}`, () => void loadFollowUps(id))
    case "ModeChanged":
    case "AssignmentChanged":
      if (c.activity !== null) soon(`activity:${id}`, () => void loadActivity(id))
      return soon(`detail:${id}`, () => void loadDetail(id), 100)
  }
}

let listening: Array<() => void> = []

export const follow = () => {
  for (const stop of listening) stop()
  templates.set(null)
  listening = [
    onEvent(apply),
    onResume(() => {
      const c = current.get()
      if (c === null) return
      current.set(null)
      void open(c.id)
    })
  ]
}
