/** Words for enums and times, as a salesperson reads them. */
import type { Action, IntentLevel, MessageStatus, Sentiment, Stage } from "../../domain/enums.ts"

export const stageLabel: Record<Stage, string> = {
  greeting: "Greeting",
  qualification: "Qualification",
  pricing: "Pricing",
  cta: "Call to action",
  closed: "Closed"
}

export const intentLabel: Record<IntentLevel, string> = {
  unknown: "Unknown",
  low: "Low",
  medium: "Medium",
  high: "High",
  very_high: "Very high"
}

export const sentimentLabel: Record<Sentiment, string> = {
  positive: "Positive",
  neutral: "Neutral",
  hesitant: "Hesitant",
  negative: "Negative",
  confused: "Confused"
}

export const statusLabel: Record<MessageStatus, string> = {
  received: "Received",
  pending: "Sending",
  sent: "Sent",
  delivered: "Delivered",
  read: "Read",
  played: "Played",
  failed: "Failed",
  unknown: "Unknown (not resent)"
}

export const actionLabel: Record<Action, string> = {
  SEND_NOW: "Reply now",
  WAIT_SCHEDULE: "Wait and follow up",
  HANDOFF_HUMAN: "Hand to a person"
}

/** Why the bot hands a conversation over (src/htl/types.ts HandoffCode, and the engine's own), or gave it back. */
const REASONS: Record<string, string> = {
  lead_asked_for_human: "Lead asked for a person",
  llm_not_configured: "AI not configured",
  llm_unavailable: "AI unavailable",
  llm_rate_limited: "AI rate-limited",
  llm_timeout: "AI timed out",
  llm_bad_output: "AI answer unusable",
  low_confidence: "Bot unsure",
  policy_risk: "Policy risk",
  window_closed: "24 h window closed",
  followup_cap: "Follow-up limit reached",
  guardrail_violation: "Draft broke the rules",
  model_decision: "Bot chose a person",
  complex_query: "Complex question",
  internal_error: "Internal error",
  send_failed: "Send failed",
  send_confirmed: "WhatsApp confirmed the reply"
}

/** The part of a reason before ":" is its code (`low_confidence: 0.3`), the rest its detail. */
export const reasonLabel = (reason: string | null) => {
  if (reason === null || reason === "") return "Handed over"
  const [code = "", ...rest] = reason.split(":")
  const key = code.trim()
  const words = REASONS[key] ?? capitalize(key.replace(/_/g, " "))
  const detail = rest.join(":").trim()
  return detail === "" ? words : `${words}: ${detail}`
}

export const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1)

const time = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" })
const dayTime = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" })
const full = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" })

/** "14:05" today, "Mar 3, 14:05" otherwise. */
export const when = (iso: string | null) => {
  if (iso === null) return ""
  const date = new Date(iso)
  return date.toDateString() === new Date().toDateString() ? time.format(date) : dayTime.format(date)
}

export const fullDate = (iso: string) => full.format(new Date(iso))

/** "just now", "5 min ago", "in 2 h", "3 d ago". */
export const relative = (iso: string, now = Date.now()) => {
  const seconds = Math.round((Date.parse(iso) - now) / 1000)
  const abs = Math.abs(seconds)
  const [n, unit] = abs < 45 ? [0, ""] : abs < 3600 ? [Math.round(abs / 60), "min"] : abs < 86_400 ? [Math.round(abs / 3600), "h"] : [Math.round(abs / 86_400), "d"]
  if (n === 0) return "just now"
  return seconds < 0 ? `${n} ${unit} ago` : `in ${n} ${unit}`
}

const KINDS: Record<string, string> = {
  image: "Image",
  audio: "Audio",
  video: "Video",
  document: "Document",
  sticker: "Sticker",
  location: "Location",
  contacts: "Contact",
  interactive: "Button reply",
  button: "Button",
  reaction: "Reaction",
  order: "Order",
  template: "Template",
  system: "System notice",
  unsupported: "Unsupported message"
}

/** A message's kind when it is not plain text (null for text). */
export const kindLabel = (type: string) => type === "text" ? null : KINDS[type] ?? capitalize(type)

export const usd = (n: number) => `$${n < 0.01 && n > 0 ? n.toFixed(4) : n.toFixed(2)}`
export const percent = (n: number) => `${Math.round(n * 1000) / 10}%`
export const seconds = (s: number | null) =>
  s === null ? "—" : s < 90 ? `${Math.round(s)} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`
