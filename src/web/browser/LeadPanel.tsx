/** The lead beside the conversation: who, where in the sale, the rolling summary, follow-ups; editable. */
import { useState } from "preact/hooks"
import type { ConversationDetail, FollowUpItem } from "../../domain/dashboard/inbox.ts"
import type { UpdateLeadPayload } from "../../domain/dashboard/leads.ts"
import { IntentLevels, Sentiments, Stages } from "../../domain/enums.ts"
import { loadDetail, replaceFollowUp } from "./conversation.ts"
import { fullDate, intentLabel, relative, sentimentLabel, stageLabel, when } from "./format.ts"
import { rpc } from "./live.ts"
import { ActionButton, Badge, Choice, Empty, ErrorText, Field, optionsOf } from "./ui.tsx"

const FollowUps = (props: { readonly conversationId: string; readonly items: ReadonlyArray<FollowUpItem> }) => {
  const pending = props.items.filter((f) => f.status === "PENDING")
  const done = props.items.filter((f) => f.status !== "PENDING")
  return (
    <section aria-labelledby="followups-h">
      <h3 id="followups-h">Follow-ups</h3>
      {pending.length === 0 ? <Empty>None pending.</Empty> : (
        <ul class="followups">
          {pending.map((f) => (
            <li key={f.id}>
              <p>
                <strong><time dateTime={f.due_at} title={fullDate(f.due_at)}>{when(f.due_at)}</time></strong> ({relative(f.due_at)})
                {f.template_required ? <> <Badge tone="info">template</Badge></> : null}
              </p>
              {f.why === null ? null : <p class="muted">{f.why}</p>}
              <ActionButton
                class="small"
                aria-label={`Cancel the follow-up due ${when(f.due_at)}`}
                busyLabel="Cancelling…"
                action={async () => replaceFollowUp(props.conversationId, await rpc((r) => r["followups.cancel"]({ id: props.conversationId, followup_id: f.id })))}
              >
                Cancel
              </ActionButton>
            </li>
          ))}
        </ul>
      )}
      {done.length === 0 ? null : (
        <details>
          <summary>Earlier follow-ups ({done.length})</summary>
          <ul class="followups">
            {done.map((f) => <li key={f.id}><time dateTime={f.due_at}>{when(f.due_at)}</time> — {f.outcome ?? f.status.toLowerCase()}</li>)}
          </ul>
        </details>
      )}
    </section>
  )
}

const EditLead = (props: { readonly detail: ConversationDetail; readonly done: () => void }) => {
  const { lead } = props.detail
  const [form, setForm] = useState({
    name: lead.name ?? "",
    email: lead.email ?? "",
    company: lead.company ?? "",
    conversation_stage: lead.conversation_stage,
    intent_level: lead.intent_level,
    user_sentiment: lead.user_sentiment
  })
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const text = (key: "name" | "email" | "company") => (e: Event) => {
    const target = e.currentTarget
    if (target instanceof HTMLInputElement) setForm((f) => ({ ...f, [key]: target.value }))
  }
  return (
    <form class="edit-lead" onSubmit={async (e) => {
      e.preventDefault()
      setBusy(true)
      setError(null)
      const changes: UpdateLeadPayload = {
        name: form.name.trim() === "" ? null : form.name.trim(),
        email: form.email.trim() === "" ? null : form.email.trim(),
        company: form.company.trim() === "" ? null : form.company.trim(),
        conversation_stage: form.conversation_stage,
        intent_level: form.intent_level,
        user_sentiment: form.user_sentiment
      }
      try {
        await rpc((r) => r["leads.update"]({ id: lead.id, changes }))
        await loadDetail(props.detail.conversation.id)
        props.done()
      } catch (err) {
        setError(err instanceof Error ? err.message : String(err))
        setBusy(false)
      }
    }}>
      <fieldset disabled={busy}>
        <legend>Edit lead</legend>
        <Field label="Name">{(id) => <input id={id} value={form.name} onInput={text("name")} />}</Field>
        <Field label="Email">{(id) => <input id={id} type="email" value={form.email} onInput={text("email")} />}</Field>
        <Field label="Company">{(id) => <input id={id} value={form.company} onInput={text("company")} />}</Field>
        <Choice label="Stage" value={form.conversation_stage} options={optionsOf(Stages, stageLabel)} onChange={(v) => setForm((f) => ({ ...f, conversation_stage: v }))} />
        <Choice label="Intent" value={form.intent_level} options={optionsOf(IntentLevels, intentLabel)} onChange={(v) => setForm((f) => ({ ...f, intent_level: v }))} />
        <Choice label="Sentiment" value={form.user_sentiment} options={optionsOf(Sentiments, sentimentLabel)} onChange={(v) => setForm((f) => ({ ...f, user_sentiment: v }))} />
        <div class="row">
          <button type="submit" class="primary">{busy ? "Saving…" : "Save"}</button>
          <button type="button" onClick={props.done}>Cancel</button>
        </div>
      </fieldset>
      <ErrorText error={error} />
    </form>
  )
}

export const LeadPanel = (props: { readonly detail: ConversationDetail; readonly followUps: ReadonlyArray<FollowUpItem>; readonly me: string }) => {
  const [editing, setEditing] = useState(false)
  const { detail } = props
  const { lead, conversation: c } = detail
  const assigned = c.assigned_to === null ? "Nobody" : c.assigned_to === props.me ? "You" : "A colleague"
  return (
    <aside class="lead" aria-labelledby="lead-h">
      <div class="lead-head">
        <h2 id="lead-h">Lead</h2>
        {editing ? null : <button type="button" onClick={() => setEditing(true)}>Edit</button>}
      </div>
      {editing ? <EditLead detail={detail} done={() => setEditing(false)} /> : (
        <dl class="facts">
          <dt>Name</dt><dd>{lead.name ?? <span class="muted">unknown</span>}</dd>
          <dt>Phone</dt><dd>{lead.phone ?? <span class="muted">none</span>}</dd>
          {lead.email === null ? null : <><dt>Email</dt><dd>{lead.email}</dd></>}
          {lead.company === null ? null : <><dt>Company</dt><dd>{lead.company}</dd></>}
          <dt>Stage</dt><dd>{stageLabel[c.stage]}</dd>
          <dt>Intent</dt><dd>{intentLabel[c.intent_level]}</dd>
          <dt>Sentiment</dt><dd>{sentimentLabel[c.user_sentiment]}</dd>
          {detail.language === null ? null : <><dt>Language</dt><dd>{detail.language}</dd></>}
          <dt>Assigned to</dt><dd>{assigned}</dd>
          <dt>Channel</dt>
          <dd>
            {detail.channel.display_phone_number || detail.channel.transport}{" "}
            {detail.channel.health === "ok" ? null : <Badge tone="bad">{detail.channel.health}</Badge>}
          </dd>
          <dt>24 h window</dt>
          <dd>{detail.window_open ? `open until ${when(detail.window_closes_at)}` : "closed"}</dd>
          <dt>Follow-ups sent</dt><dd>{c.followup_count_24h} today, {c.total_nudges} in all{detail.opted_out ? " · opted out" : ""}</dd>
        </dl>
      )}
      <section aria-labelledby="summary-h">
        <h3 id="summary-h">Summary</h3>
        {detail.rolling_summary.trim() === "" ? <Empty>No summary yet: the bot writes one after each turn.</Empty> : <p class="summary">{detail.rolling_summary}</p>}
      </section>
      <FollowUps conversationId={c.id} items={props.followUps} />
    </aside>
  )
}
