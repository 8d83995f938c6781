/** The enums of SPEC §6, as Schemas (the database has matching CHECK constraints). */
import { Schema } from "effect"

export const Stages = ["greeting", "qualification", "pricing", "cta", "closed"] as const
export const Stage = Schema.Literals(Stages)
export type Stage = typeof Stage.Type

export const IntentLevels = ["unknown", "low", "medium", "high", "very_high"] as const
export const IntentLevel = Schema.Literals(IntentLevels)
export type IntentLevel = typeof IntentLevel.Type

export const Sentiments = ["positive", "neutral", "hesitant", "negative", "confused"] as const
export const Sentiment = Schema.Literals(Sentiments)
export type Sentiment = typeof Sentiment.Type

export const ConversationMode = Schema.Literals(["bot", "human"])
export type ConversationMode = typeof ConversationMode.Type

export const MessageFrom = Schema.Literals(["LEAD", "BOT", "HUMAN"])
export type MessageFrom = typeof MessageFrom.Type

/** received: inbound; pending → sent → delivered → read (→ played), or failed; unknown: send outcome lost in a crash. */
export const MessageStatuses = ["received", "pending", "sent", "delivered", "read", "played", "failed", "unknown"] as const
export const MessageStatus = Schema.Literals(MessageStatuses)
export type MessageStatus = typeof MessageStatus.Type

export const ScheduledActionStatus = Schema.Literals(["PENDING", "EXECUTED", "CANCELLED"])
export type ScheduledActionStatus = typeof ScheduledActionStatus.Type

export const Action = Schema.Literals(["SEND_NOW", "WAIT_SCHEDULE", "HANDOFF_HUMAN"])
export type Action = typeof Action.Type

export const Role = Schema.Literals(["admin", "agent"])
export type Role = typeof Role.Type

export const Transport = Schema.Literals(["cloud", "sandbox"])
export type Transport = typeof Transport.Type
