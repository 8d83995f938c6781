/**
 * The inbox list: conversations matching the filters, kept up to date by live events. "Needs
 * attention" are the bot's handoffs nobody has taken over yet (mode human, changed by no person):
 * they are fetched apart (every one, not only the newest page) and shown first, overdue first.
 * Unread: activity since this browser last showed the conversation, and lead messages counted live.
 */
import type { ConversationItem, ConversationQuery } from "../../domain/dashboard/conversations.ts"
import type { DomainEvent } from "../../domain/events.ts"
import type { IntentLevel, Stage } from "../../domain/enums.ts"
import { onEvent, onResume, rpc } from "./live.ts"
import { store } from "./store.ts"

export interface Filters {
  readonly mode: "" | "bot" | "human"
  readonly stage: "" | Stage
  readonly intent: "" | IntentLevel
  readonly search: string
  readonly mine: boolean
}

export interface InboxState {
  readonly filters: Filters
  /** Every conversation known to match the filters, by id. */
  readonly items: ReadonlyMap<string, ConversationItem>
  /** The main list's cursor (newest activity first). */
  readonly nextCursor: string | null
  readonly loading: boolean
  readonly error: string | null
  /** Lead messages that arrived live, per conversation, since it was last shown. */
  readonly unread: ReadonlyMap<string, number>
}

export const noFilters: Filters = { mode: "", stage: "", intent: "", search: "", mine: false }

export const inbox = store<InboxState>({
  filters: noFilters,
  items: new Map(),
  nextCursor: null,
  loading: false,
  error: null,
  unread: new Map()
})

/** The conversation on screen (its activity is read as it arrives). */
let openId: string | null = null

export const needsAttention = (c: ConversationItem) => c.mode === "human" && c.mode_changed_by === null

const PAGE = 50

const queryOf = (filters: Filters): ConversationQuery => ({
  ...(filters.mode === "" ? {} : { mode: filters.mode }),
  ...(filters.stage === "" ? {} : { stage: filters.stage }),
  ...(filters.intent === "" ? {} : { intent: filters.intent }),
  ...(filters.search.trim() === "" ? {} : { search: filters.search.trim() }),
  ...(filters.mine ? { assigned_to: "me" as const } : {})
})

/** Does a conversation read back by id belong in the list under these filters? */
const matches = (c: ConversationItem, f: Filters, me: string) => {
  const search = f.search.trim().toLowerCase()
  return (f.mode === "" || c.mode === f.mode) && (f.stage === "" || c.stage === f.stage) &&
    (f.intent === "" || c.intent_level === f.intent) && (!f.mine || c.assigned_to === me) &&
    (search === "" || (c.lead.name ?? "").toLowerCase().includes(search) || (c.lead.phone ?? "").includes(search))
}

let me = ""
let generation = 0

/** Loads the first page and every conversation needing attention, for the current filters. */
export const reload = async () => {
  const mine = ++generation
  const filters = inbox.get().filters
  inbox.set((s) => ({ ...s, loading: true, error: null }))
  try {
    const query = queryOf(filters)
    const [page, attention] = await Promise.all([
      rpc((r) => r["conversations.list"]({ ...query, limit: PAGE })),
      filters.mode === "bot" ? Promise.resolve({ items: [] }) : rpc((r) => r["conversations.list"]({ ...query, mode: "human", limit: 100 }))
    ])
    if (mine !== generation) return
    const items = new Map<string, ConversationItem>()
    for (const c of [...page.items, ...attention.items.filter(needsAttention)]) items.set(c.id, c)
    inbox.set((s) => ({ ...s, items, nextCursor: page.next_cursor, loading: false }))
  } catch (error) {
    if (mine !== generation) return
    inbox.set((s) => ({ ...s, loading: false, error: error instanceof Error ? error.message : String(error) }))
  }
}

export const loadMore = async () => {
  const { nextCursor, filters } = inbox.get()
  if (nextCursor === null) return
  const mine = generation
  inbox.set((s) => ({ ...s, loading: true }))
  try {
    const page = await rpc((r) => r["conversations.list"]({ ...queryOf(filters), limit: PAGE, cursor: nextCursor }))
    if (mine !== generation) return
    inbox.set((s) => {
      const items = new Map(s.items)
      for (const c of page.items) items.set(c.id, c)
      return { ...s, items, nextCursor: page.next_cursor, loading: false }
    })
  } catch (error) {
    inbox.set((s) => ({ ...s, loading: false, error: error instanceof Error ? error.message : String(error) }))
  }
}

export const setFilters = (change: Partial<Filters>) => {
  inbox.set((s) => ({ ...s, filters: { ...s.filters, ...change } }))
  void reload()
}

/** Reads one conversation again (its mode, stage, last message…) and places it, or drops it. */
const refresh = async (id: string) => {
  try {
    const detail = await rpc((r) => r["conversations.get"]({ id }))
    upsert(detail.conversation)
  } catch {
    // gone (deleted lead) or unreachable: the next reload settles it
  }
}

export const upsert = (c: ConversationItem) =>
  inbox.set((s) => {
    const items = new Map(s.items)
    if (matches(c, s.filters, me)) items.set(c.id, c)
    else items.delete(c.id)
    return { ...s, items }
  })

/** Several events of one conversation in a burst cause one read. */
const pending = new Map<string, number>()
const refreshSoon = (id: string) => {
  window.clearTimeout(pending.get(id))
  pending.set(id, window.setTimeout(() => {
    pending.delete(id)
    void refresh(id)
  }, 250))
}

const apply = (event: DomainEvent) => {
  const id = event.conversationId
  if (event._tag === "MessageStored") {
    // shown at once; the rest (state, ordering keys) comes with the read below
    inbox.set((s) => {
      const known = s.items.get(id)
      const items = known === undefined ? s.items : new Map(s.items).set(id, {
        ...known,
        last_message: event.content,
        last_message_at: new Date(event.at.epochMilliseconds).toISOString()
      })
      const unread = event.from === "LEAD" && id !== openId ? new Map(s.unread).set(id, (s.unread.get(id) ?? 0) + 1) : s.unread
      return { ...s, items, unread }
    })
  }
  if (event._tag !== "MessageStatusChanged") refreshSoon(id)
}

/** The conversation the person is looking at: it is read, and stays read while shown. */
export const setOpen = (id: string | null) => {
  openId = id
  if (id !== null) markSeen(id)
}

export const markSeen = (id: string) => {
  seen.set(id, Date.now())
  inbox.set((s) => {
    if (!s.unread.has(id)) return { ...s }
    const unread = new Map(s.unread)
    unread.delete(id)
    return { ...s, unread }
  })
}

/** When this browser last showed each conversation (kept across reloads). */
const SEEN_KEY = "wa-inbox.seen"
const SINCE_KEY = "wa-inbox.since"
const seen = (() => {
  const read = (): Record<string, number> => {
    try {
      const value: unknown = JSON.parse(localStorage.getItem(SEEN_KEY) ?? "{}")
      return typeof value === "object" && value !== null ? Object.fromEntries(Object.entries(value).filter((e): e is [string, number] => typeof e[1] === "number")) : {}
    } catch {
      return {}
    }
  }
  if (localStorage.getItem(SINCE_KEY) === null) localStorage.setItem(SINCE_KEY, String(Date.now()))
  const since = Number(localStorage.getItem(SINCE_KEY)) || Date.now()
  return {
    get: (id: string) => read()[id] ?? since,
    set: (id: string, at: number) => {
      // the most recently seen 500 are kept
      const entries = Object.entries({ ...read(), [id]: at }).sort((a, b) => b[1] - a[1]).slice(0, 500)
      localStorage.setItem(SEEN_KEY, JSON.stringify(Object.fromEntries(entries)))
    }
  }
})()

/** New activity since the conversation was last shown here. */
export const isUnread = (c: ConversationItem, state: InboxState) =>
  c.id !== openId && ((state.unread.get(c.id) ?? 0) > 0 || (c.last_message_at !== null && Date.parse(c.last_message_at) > seen.get(c.id)))

let stopListening: Array<() => void> = []

/** Starts following the organization's events for the signed-in person. */
export const follow = (userId: string) => {
  me = userId
  for (const stop of stopListening) stop()
  stopListening = [onEvent(apply), onResume(() => void reload())]
  inbox.set((s) => ({ ...s, items: new Map(), unread: new Map(), nextCursor: null }))
  void reload()
}
