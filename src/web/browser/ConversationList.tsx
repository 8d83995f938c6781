/** The inbox's left column: filters, "needs attention" first (with the reason), then the rest. */
import { useEffect, useState } from "preact/hooks"
import type { ConversationItem } from "../../domain/dashboard/conversations.ts"
import { IntentLevels, Stages } from "../../domain/enums.ts"
import { intentLabel, reasonLabel, stageLabel, when } from "./format.ts"
import { type Filters, inbox, type InboxState, isUnread, loadMore, needsAttention, setFilters } from "./inbox.ts"
import { Link } from "./router.tsx"
import { useStore } from "./store.ts"
import { Badge, Choice, Empty, ErrorText, Field, type Option, optionsOf } from "./ui.tsx"

const ALL = { value: "", label: "All" } as const
const MODES: ReadonlyArray<Option<Filters["mode"]>> = [ALL, { value: "bot", label: "Bot" }, { value: "human", label: "Human" }]

const FilterBar = (props: { readonly filters: Filters }) => {
  const [search, setSearch] = useState(props.filters.search)
  useEffect(() => {
    if (search === props.filters.search) return
    const timer = window.setTimeout(() => setFilters({ search }), 250)
    return () => window.clearTimeout(timer)
  }, [search])
  return (
    <form class="filters" role="search" aria-label="Filter conversations" onSubmit={(e) => {
      e.preventDefault()
      setFilters({ search })
    }}>
      <Field label="Search">
        {(id) => <input id={id} type="search" placeholder="Name or phone" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />}
      </Field>
      <div class="filter-row">
        <Choice label="Mode" value={props.filters.mode} options={MODES} onChange={(mode) => setFilters({ mode })} />
        <Choice label="Stage" value={props.filters.stage} options={[ALL, ...optionsOf(Stages, stageLabel)]} onChange={(stage) => setFilters({ stage })} />
        <Choice label="Intent" value={props.filters.intent} options={[ALL, ...optionsOf(IntentLevels, intentLabel)]} onChange={(intent) => setFilters({ intent })} />
      </div>
      <label class="check">
        <input type="checkbox" checked={props.filters.mine} onChange={(e) => setFilters({ mine: e.currentTarget.checked })} /> Assigned to me
      </label>
    </form>
  )
}

const Row = (props: { readonly c: ConversationItem; readonly open: boolean; readonly state: InboxState; readonly attention: boolean }) => {
  const { c } = props
  const unread = isUnread(c, props.state)
  const count = props.state.unread.get(c.id) ?? 0
  const name = c.lead.name ?? c.lead.phone ?? "Unknown lead"
  return (
    <li class={`conv${props.open ? " open" : ""}${unread ? " unread" : ""}`}>
      <Link href={`/app/conversations/${c.id}`} aria-current={props.open ? "true" : undefined}>
        <span class="conv-top">
          <span class="conv-name">{name}</span>
          <time dateTime={c.last_message_at ?? undefined}>{when(c.last_message_at)}</time>
        </span>
        {c.lead.name !== null && c.lead.phone !== null ? <span class="conv-phone">{c.lead.phone}</span> : null}
        <span class="conv-last">{c.last_message ?? "No messages yet"}</span>
        <span class="conv-tags">
          {unread ? <Badge tone="info">{count > 0 ? `${count} new` : "New"}</Badge> : null}
          {props.attention
            ? <Badge tone={c.overdue ? "bad" : "warn"} title={c.mode_reason ?? undefined}>{c.overdue ? "Overdue · " : ""}{reasonLabel(c.mode_reason)}</Badge>
            : <Badge tone={c.mode === "bot" ? "good" : "neutral"}>{c.mode === "bot" ? "Bot" : "Human"}</Badge>}
          <Badge>{stageLabel[c.stage]}</Badge>
          {c.intent_level === "unknown" ? null : <Badge>Intent {intentLabel[c.intent_level].toLowerCase()}</Badge>}
        </span>
      </Link>
    </li>
  )
}

const byActivity = (a: ConversationItem, b: ConversationItem) =>
  Date.parse(b.last_message_at ?? "1970-01-01") - Date.parse(a.last_message_at ?? "1970-01-01")

/** Overdue first, then the longest waiting. */
const byWaiting = (a: ConversationItem, b: ConversationItem) =>
  Number(b.overdue) - Number(a.overdue) || Date.parse(a.mode_changed_at ?? "1970-01-01") - Date.parse(b.mode_changed_at ?? "1970-01-01")

export const ConversationList = (props: { readonly openId: string | null }) => {
  const state = useStore(inbox)
  const all = [...state.items.values()]
  const attention = all.filter(needsAttention).sort(byWaiting)
  const rest = all.filter((c) => !needsAttention(c)).sort(byActivity)
  const [, tick] = useState(0)
  // relative times and unread markers move on without events
  useEffect(() => {
    const timer = window.setInterval(() => tick((n) => n + 1), 60_000)
    return () => window.clearInterval(timer)
  }, [])
  return (
    <section class="list" aria-label="Conversations">
      <FilterBar filters={state.filters} />
      <ErrorText error={state.error} />
      {attention.length > 0
        ? (
          <section aria-labelledby="attention-h">
            <h2 id="attention-h" class="list-h attention">Needs attention <span class="count">{attention.length}</span></h2>
            <ul class="convs">{attention.map((c) => <Row key={c.id} c={c} open={c.id === props.openId} state={state} attention />)}</ul>
          </section>
        )
        : null}
      <section aria-labelledby="all-h">
        <h2 id="all-h" class="list-h">{attention.length > 0 ? "Other conversations" : "Conversations"}</h2>
        {rest.length === 0 && !state.loading
          ? <Empty>{attention.length > 0 ? "Nothing else here." : "No conversations yet. When a lead writes, it appears here at once."}</Empty>
          : <ul class="convs">{rest.map((c) => <Row key={c.id} c={c} open={c.id === props.openId} state={state} attention={false} />)}</ul>}
        {state.loading ? <p class="muted" role="status">Loading…</p> : null}
        {state.nextCursor !== null && !state.loading ? <button type="button" class="more" onClick={() => void loadMore()}>Load older conversations</button> : null}
      </section>
      <p class="sr-only" aria-live="polite">{attention.length > 0 ? `${attention.length} conversations need attention` : ""}</p>
    </section>
  )
}
