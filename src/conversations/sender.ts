/**
 * How the engine sends: one small interface, implemented over the WhatsApp service (cloud or
 * sandbox transport per channel). Failures carry WhatsApp's error code.
 */
import { Context, type Effect, Schema } from "effect"
import { ChannelId, type MessageId, OrganizationId } from "../domain/ids.ts"
import type { OutboundBody } from "../domain/outbound.ts"

export const SendTarget = Schema.Struct({
  organizationId: OrganizationId,
  channelId: ChannelId,
  waId: Schema.NullOr(Schema.String),
  userId: Schema.NullOr(Schema.String)
})
export type SendTarget = typeof SendTarget.Type

export class SendFailed extends Schema.TaggedError<SendFailed>()("SendFailed", {
  code: Schema.NullOr(Schema.Int),
  title: Schema.String,
  details: Schema.String,
  /** 131047: outside the 24-hour window, only a template can go */
  windowClosed: Schema.Boolean,
  /** The request may have reached Meta (a timeout or reset after sending): recorded `unknown`, never resent. */
  unknown: Schema.Boolean
}) {}

export class OutboundSender extends Context.Service<OutboundSender, {
  /**
   * `reference`: the message's own id, which Meta echoes in the message's statuses
   * (`biz_opaque_callback_data`): a send whose outcome was unknown is confirmed by its first status.
   */
  readonly send: (target: SendTarget, body: OutboundBody, reference?: MessageId) => Effect.Effect<{ readonly wamid: string }, SendFailed>
  /** best effort: marks the lead's message (and the earlier ones) read */
  readonly markRead: (target: SendTarget, wamid: string) => Effect.Effect<void>
}>()("wa/OutboundSender") {}
