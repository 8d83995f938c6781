/**
 * A person's message to the lead: free text while the 24-hour window is open, otherwise an
 * approved template (the ones this organization knows, or another by name). Sending to a
 * conversation the bot has, or one handed over and not yet taken, takes it over first.
 */
import { useEffect, useState } from "preact/hooks"
import type { ConversationDetail, TemplateItem } from "../../domain/dashboard/inbox.ts"
import { windowOpen } from "../../domain/window.ts"
import { addMessage, loadDetail, loadTemplates, templates } from "./conversation.ts"
import { when } from "./format.ts"
import { needsAttention, upsert } from "./inbox.ts"
import { rpc } from "./live.ts"
import { useStore } from "./store.ts"
import { ErrorText, Field } from "./ui.tsx"

const claim = async (detail: ConversationDetail) => {
  if (!needsAttention(detail.conversation)) return
  upsert(await rpc((r) => r["conversations.takeover"]({ id: detail.conversation.id })))
}

const useSend = (detail: ConversationDetail) => {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const send = async (body: { readonly text: string } | { readonly template: { name: string; language: string; parameters: Array<string> } }) => {
    setBusy(true)
    setError(null)
    try {
      await claim(detail)
      const id = detail.conversation.id
      const message = await rpc((r) => r["messages.send"]({ conversation_id: id, ...body }))
      addMessage(id, message)
      void loadDetail(id)
      return true
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e))
      return false
    } finally {
      setBusy(false)
    }
  }
  return { busy, error, send }
}

const TextComposer = (props: { readonly detail: ConversationDetail }) => {
  const [text, setText] = useState("")
  const { busy, error, send } = useSend(props.detail)
  const submit = async () => {
    if (text.trim() === "") return
    if (await send({ text: text.trim() })) setText("")
  }
  const c = props.detail.conversation
  return (
    <form class="composer" onSubmit={(e) => {
      e.preventDefault()
      void submit()
    }}>
      <Field
        label="Reply as a person"
        hint={c.mode === "bot" ? "Sending takes this conversation over from the bot. Ctrl+Enter sends." : "Ctrl+Enter sends."}
      >
        {(id) => (
          <textarea
            id={id}
            rows={3}
            maxLength={4096}
            value={text}
            disabled={busy}
            onInput={(e) => setText(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
                e.preventDefault()
                void submit()
              }
            }}
          />
        )}
      </Field>
      <div class="composer-actions">
        <span class="muted">Window open until {when(props.detail.window_closes_at)}</span>
        <button type="submit" class="primary" disabled={busy || text.trim() === ""}>{busy ? "Sending…" : "Send"}</button>
      </div>
      <ErrorText error={error} />
    </form>
  )
}

const OTHER = "__other__"
const keyOf = (t: TemplateItem) => `${t.name}\u0000${t.language}`

const TemplateComposer = (props: { readonly detail: ConversationDetail }) => {
  const known = useStore(templates)
  useEffect(() => void loadTemplates(), [])
  const [choice, setChoice] = useState<string | null>(null)
  const [name, setName] = useState("")
  const [language, setLanguage] = useState("en")
  const [parameters, setParameters] = useState<Array<string>>([])
  const { busy, error, send } = useSend(props.detail)
  const list = known ?? []
  const selected = choice ?? (list[0] === undefined ? OTHER : keyOf(list[0]))
  const template = list.find((t) => keyOf(t) === selected)
  useEffect(() => {
    if (template !== undefined) setParameters((p) => Array.from({ length: template.parameters }, (_, i) => p[i] ?? ""))
  }, [selected, known])
  const effectiveName = template?.name ?? name.trim()
  const effectiveLanguage = template?.language ?? language.trim()
  return (
    <form class="composer" onSubmit={async (e) => {
      e.preventDefault()
      if (await send({ template: { name: effectiveName, language: effectiveLanguage, parameters } })) setParameters((p) => p.map(() => ""))
    }}>
      <p class="notice" role="note">
        The 24-hour window is closed{props.detail.last_user_message_at === null ? "" : ` (the lead last wrote ${when(props.detail.last_user_message_at)})`}:
        WhatsApp only delivers an approved template until the lead writes again.
      </p>
      <Field label="Template">
        {(id) => (
          <select id={id} value={selected} onChange={(e) => setChoice(e.currentTarget.value)}>
            {list.map((t) => <option key={keyOf(t)} value={keyOf(t)}>{t.name} ({t.language}){t.source === "followup" ? " · follow-up template" : ""}</option>)}
            <option value={OTHER}>Another approved template…</option>
          </select>
        )}
      </Field>
      {template === undefined
        ? (
          <div class="filter-row">
            <Field label="Template name">{(id) => <input id={id} required value={name} onInput={(e) => setName(e.currentTarget.value)} />}</Field>
            <Field label="Language code">{(id) => <input id={id} required size={6} value={language} onInput={(e) => setLanguage(e.currentTarget.value)} />}</Field>
          </div>
        )
        : null}
      <fieldset class="params">
        <legend>Parameters</legend>
        {parameters.map((p, i) => (
          <Field key={i} label={`{{${i + 1}}}`}>
            {(id) => <input id={id} value={p} onInput={(e) => {
              const value = e.currentTarget.value
              setParameters((all) => all.map((x, j) => j === i ? value : x))
            }} />}
          </Field>
        ))}
        <div class="row">
          <button type="button" class="link" onClick={() => setParameters((p) => [...p, ""])}>Add a parameter</button>
          {parameters.length > 0 ? <button type="button" class="link" onClick={() => setParameters((p) => p.slice(0, -1))}>Remove the last</button> : null}
        </div>
      </fieldset>
      <div class="composer-actions">
        <span />
        <button type="submit" class="primary" disabled={busy || effectiveName === "" || effectiveLanguage === ""}>{busy ? "Sending…" : "Send template"}</button>
      </div>
      <ErrorText error={error} />
    </form>
  )
}

/** Open while the lead's newest message is less than 24 hours old (the server checks again). */
const isOpen = (detail: ConversationDetail) =>
  detail.last_user_message_at !== null && windowOpen(new Date(detail.last_user_message_at), Date.now())

export const Composer = (props: { readonly detail: ConversationDetail }) =>
  isOpen(props.detail) ? <TextComposer detail={props.detail} /> : <TemplateComposer detail={props.detail} />
