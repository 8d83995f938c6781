/** A conversation's messages, and (on demand) the HTL's decisions, handoffs and takeovers between them. */
import { useEffect, useRef } from "preact/hooks"
import type { MessageItem } from "../../domain/dashboard/conversations.ts"
import type { ActivityItem, TurnStep } from "../../domain/dashboard/inbox.ts"
import { actionLabel, fullDate, kindLabel, reasonLabel, statusLabel, when } from "./format.ts"
import { Badge } from "./ui.tsx"

const TICKS: Partial<Record<MessageItem["status"], string>> = { sent: "✓", delivered: "✓✓", read: "✓✓", played: "✓✓", failed: "✕", pending: "…" }

const Message = (props: { readonly m: MessageItem; readonly leadName: string; readonly me: string }) => {
  const { m } = props
  const author = m.message_from === "LEAD" ? props.leadName : m.message_from === "BOT" ? "Bot" : m.sent_by_user_id === props.me ? "You" : "Team"
  const kind = kindLabel(m.type)
  return (
    <li class={`msg msg-${m.message_from.toLowerCase()}`} data-status={m.status}>
      <div class="bubble">
        <span class="author">{author}{kind === null ? null : <Badge tone="info">{kind}</Badge>}</span>
        <p class="text">{m.content === "" ? <em class="muted">(no text)</em> : m.content}</p>
        <span class="meta">
          <time dateTime={m.created_at} title={fullDate(m.created_at)}>{when(m.created_at)}</time>
          {m.message_from === "LEAD"
            ? null
            : (
              <span class={`status status-${m.status}`}>
                <span aria-hidden="true">{TICKS[m.status] ?? ""} </span>
                {statusLabel[m.status]}
                {m.status === "failed" ? `: ${m.error_title ?? (m.error_code === null ? "not sent" : `error ${m.error_code}`)}` : ""}
              </span>
            )}
        </span>
      </div>
    </li>
  )
}

const StepRow = (props: { readonly s: TurnStep }) => {
  const { s } = props
  return (
    <tr>
      <th scope="row">{s.step}</th>
      <td><span class={`outcome outcome-${s.outcome}`}>{s.outcome}</span>{s.final_action === null ? null : <> → {s.final_action}</>}</td>
      <td class="num">{s.latency_ms === null ? "—" : `${s.latency_ms} ms`}</td>
      <td class="num">{s.tokens_in === null ? "—" : `${s.tokens_in} / ${s.tokens_out ?? 0}`}</td>
      <td class="step-out">
        {s.output ?? ""}
        {s.violations.length > 0
          ? <ul class="violations">{s.violations.map((v, i) => <li key={i}><strong>{v.rule.replace(/_/g, " ")}</strong>: {v.detail}</li>)}</ul>
          : null}
      </td>
    </tr>
  )
}

const Steps = (props: { readonly steps: ReadonlyArray<TurnStep> }) =>
  props.steps.length === 0 ? null : (
    <table class="steps">
      <caption class="sr-only">The HTL's steps for this turn</caption>
      <thead><tr><th scope="col">Step</th><th scope="col">Outcome</th><th scope="col">Time</th><th scope="col">Tokens in / out</th><th scope="col">Result</th></tr></thead>
      <tbody>{props.steps.map((s, i) => <StepRow key={i} s={s} />)}</tbody>
    </table>
  )

const Activity = (props: { readonly a: ActivityItem; readonly me: string }) => {
  const { a } = props
  const violations = a.steps.flatMap((s) => s.violations)
  const title = a.kind === "decision"
    ? <>Decided: <strong>{a.action === null ? "—" : actionLabel[a.action]}</strong>{a.reason === null ? null : <> — {a.reason}</>}</>
    : a.kind === "steps" && a.steps.every((s) => s.step === "summarize")
    ? <>Summary updated</>
    : a.kind === "steps"
    ? <>Follow-up turn{a.action === null ? null : <>: <strong>{actionLabel[a.action]}</strong></>}</>
    : a.kind === "handoff"
    ? <>Handed to a person — {reasonLabel(a.reason)}</>
    : a.kind === "takeover"
    ? <>Taken over by {a.by_user_id === props.me ? "you" : "a colleague"}</>
    : a.by_user_id === null
    ? <>Released to the bot — {reasonLabel(a.reason)}</>
    : <>Released to the bot by {a.by_user_id === props.me ? "you" : "a colleague"}</>
  return (
    <li class={`activity activity-${a.kind}`}>
      {a.steps.length === 0
        ? <p><time dateTime={a.at}>{when(a.at)}</time> {title}</p>
        : (
          <details>
            <summary>
              <time dateTime={a.at}>{when(a.at)}</time> {title}
              {violations.length > 0 ? <> <Badge tone="bad">{violations.length} guardrail {violations.length === 1 ? "violation" : "violations"}</Badge></> : null}
            </summary>
            <Steps steps={a.steps} />
          </details>
        )}
    </li>
  )
}

type Entry = { readonly at: number; readonly message: MessageItem } | { readonly at: number; readonly activity: ActivityItem }

export const Timeline = (props: {
  readonly messages: ReadonlyArray<MessageItem>
  readonly activity: ReadonlyArray<ActivityItem> | null
  readonly leadName: string
  readonly me: string
}) => {
  const entries: Array<Entry> = [
    ...props.messages.map((message) => ({ at: Date.parse(message.created_at), message })),
    ...(props.activity ?? []).map((activity) => ({ at: Date.parse(activity.at), activity }))
  ].sort((a, b) => a.at - b.at)
  // a new message (or opening the conversation) shows the newest
  const list = useRef<HTMLOListElement>(null)
  const last = props.messages.at(-1)?.id
  useEffect(() => {
    const el = list.current
    if (el !== null) el.scrollTop = el.scrollHeight
  }, [last])
  return (
    <ol class="timeline" aria-label="Messages" ref={list} tabIndex={0}>
      {entries.map((e) =>
        "message" in e
          ? <Message key={e.message.id} m={e.message} leadName={props.leadName} me={props.me} />
          : <Activity key={`a-${e.activity.id}`} a={e.activity} me={props.me} />
      )}
    </ol>
  )
}
