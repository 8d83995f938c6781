/**
 * The inbox page: the list, the open conversation (messages live, decisions on demand, take over /
 * release, the composer) and the lead panel. On a phone one column shows at a time.
 */
import { useEffect } from "preact/hooks"
import { Composer } from "./Composer.tsx"
import * as open from "./conversation.ts"
import { ConversationList } from "./ConversationList.tsx"
import { reasonLabel, stageLabel } from "./format.ts"
import { markSeen, needsAttention, setOpen, upsert } from "./inbox.ts"
import { LeadPanel } from "./LeadPanel.tsx"
import { rpc } from "./live.ts"
import { Link } from "./router.tsx"
import type { Session } from "./session.ts"
import { useStore } from "./store.ts"
import { Timeline } from "./Timeline.tsx"
import { ActionButton, Badge, ErrorText } from "./ui.tsx"

const setMode = async (id: string, mode: "takeover" | "release") => {
  const item = await rpc((r) => mode === "takeover" ? r["conversations.takeover"]({ id }) : r["conversations.release"]({ id }))
  upsert(item)
  await open.loadDetail(id)
}

const Pane = (props: { readonly session: Session }) => {
  const c = useStore(open.current)
  // what arrives while the conversation is on screen is read
  const count = c?.messages.length ?? 0
  useEffect(() => {
    if (c !== null && document.visibilityState === "visible") markSeen(c.id)
  }, [c?.id, count])
  if (c === null) return null
  const detail = c.detail
  const conversation = detail?.conversation
  const leadName = detail === null ? "Lead" : detail.lead.name ?? detail.lead.phone ?? "Lead"
  return (
    <>
      <section class="conversation" aria-labelledby="conv-h">
        <header class="conv-head">
          <Link class="back" href="/app/inbox">← All conversations</Link>
          <div class="conv-title">
            <h1 id="conv-h">{leadName}</h1>
            {detail?.lead.phone == null || detail.lead.name === null ? null : <span class="muted">{detail.lead.phone}</span>}
            {conversation === undefined ? null : (
              <span class="conv-tags">
                <Badge tone={conversation.mode === "bot" ? "good" : "neutral"}>{conversation.mode === "bot" ? "Bot is answering" : "A person is answering"}</Badge>
                {needsAttention(conversation) ? <Badge tone={conversation.overdue ? "bad" : "warn"}>{reasonLabel(conversation.mode_reason)}</Badge> : null}
                <Badge>{stageLabel[conversation.stage]}</Badge>
              </span>
            )}
          </div>
          <div class="conv-actions">
            {conversation === undefined ? null : conversation.mode === "bot" || needsAttention(conversation)
              ? <ActionButton class="primary" busyLabel="Taking over…" action={() => setMode(c.id, "takeover")}>Take over</ActionButton>
              : <ActionButton busyLabel="Releasing…" action={() => setMode(c.id, "release")}>Release to bot</ActionButton>}
            <button type="button" aria-pressed={c.activity !== null} onClick={() => open.showActivity(c.id, c.activity === null)}>
              {c.activity === null ? "Show decisions" : "Hide decisions"}
            </button>
          </div>
        </header>
        <ErrorText error={c.error} />
        {c.loading ? <p class="muted" role="status">Loading the conversation…</p> : null}
        <Timeline messages={c.messages} activity={c.activity} leadName={leadName} me={props.session.user.id} />
        {c.activity !== null && c.activityMore !== null
          ? <button type="button" class="more" onClick={() => void open.loadActivity(c.id, true)}>Older decisions</button>
          : null}
        {detail === null ? null : <Composer detail={detail} />}
      </section>
      {detail === null ? null : <LeadPanel detail={detail} followUps={c.followUps} me={props.session.user.id} />}
    </>
  )
}

export const Inbox = (props: { readonly conversationId: string | null; readonly session: Session }) => {
  useEffect(() => {
    setOpen(props.conversationId)
    if (props.conversationId === null) open.close()
    else void open.open(props.conversationId)
    const id = props.conversationId
    return () => {
      if (id !== null) markSeen(id)
    }
  }, [props.conversationId])
  return (
    <main id="main" class={`inbox${props.conversationId === null ? "" : " has-open"}`}>
      <ConversationList openId={props.conversationId} />
      {props.conversationId === null
        ? <section class="placeholder" aria-label="No conversation selected"><p>Pick a conversation to read it and answer.</p></section>
        : <Pane session={props.session} />}
    </main>
  )
}
