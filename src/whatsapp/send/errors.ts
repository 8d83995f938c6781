/** Every way a send can fail, by Graph error code (docs/WHATSAPP.md §8). */
import { Schema } from "effect"

const graph = { code: Schema.Int, details: Schema.String }

/** 131047: > 24 h since the lead's last message; only a template may be sent. */
export class WindowClosed extends Schema.TaggedError<WindowClosed>()("WindowClosed", graph) {}
/** 131026: not on WhatsApp, old client, terms not accepted. Permanent. */
export class RecipientUndeliverable extends Schema.TaggedError<RecipientUndeliverable>()("RecipientUndeliverable", graph) {}
/** 131051: the message type is not supported. Permanent. */
export class UnsupportedMessageType extends Schema.TaggedError<UnsupportedMessageType>()("UnsupportedMessageType", graph) {}
/** 132000–132999: template missing, unapproved, paused, wrong parameters. Permanent. */
export class TemplateRejected extends Schema.TaggedError<TemplateRejected>()("TemplateRejected", graph) {}
/** 190: the channel's access token is invalid/expired; the channel is now marked unhealthy. */
export class ChannelUnauthorized extends Schema.TaggedError<ChannelUnauthorized>()("ChannelUnauthorized", {
  ...graph,
  phoneNumberId: Schema.String
}) {}
/** 130429 / 131056 / 80007 / 4 still answered after the bounded retries. */
export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", { ...graph, attempts: Schema.Int }) {}
/** 5xx, 131000/131016 or a refused connection after the bounded retries. */
export class GraphUnavailable extends Schema.TaggedError<GraphUnavailable>()("GraphUnavailable", {
  status: Schema.Int,
  reason: Schema.String,
  attempts: Schema.Int
}) {}
/** The request may have reached Meta (timeout, reset after sending): never resent blindly. */
export class SendOutcomeUnknown extends Schema.TaggedError<SendOutcomeUnknown>()("SendOutcomeUnknown", {
  reason: Schema.String
}) {}
/** Any other Graph error code (131048 spam limit, 131049/131050 marketing, 100 bad parameter …). */
export class SendRejected extends Schema.TaggedError<SendRejected>()("SendRejected", { ...graph, status: Schema.Int }) {}
/** A cloud channel without an access token. */
export class ChannelMisconfigured extends Schema.TaggedError<ChannelMisconfigured>()("ChannelMisconfigured", {
  reason: Schema.String
}) {}
export class ChannelNotFound extends Schema.TaggedError<ChannelNotFound>()("ChannelNotFound", { channelId: Schema.String }) {}

export type SendError =
  | WindowClosed
  | RecipientUndeliverable
  | UnsupportedMessageType
  | TemplateRejected
  | ChannelUnauthorized
  | RateLimited
  | GraphUnavailable
  | SendOutcomeUnknown
  | SendRejected
  | ChannelMisconfigured

/** Codes answered by backing off and retrying (throughput, pair rate, app/WABA call rate). */
export const RATE_LIMIT_CODES: ReadonlySet<number> = new Set([130429, 131056, 80007, 4])
/** Codes that are Meta-side hiccups: bounded retry with jitter. */
export const TRANSIENT_CODES: ReadonlySet<number> = new Set([131000, 131016])
