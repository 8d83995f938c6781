/**
 * How the engine sends: one small interface, implemented over the WhatsApp service (cloud or
 * sandbox transport per channel). Failures carry WhatsApp's error code.
 */
import { Context, type Effect, Schema } from "effect"
import type { ChannelId, OrganizationId } from "../domain/ids.ts"

export interface SendTarget {
  readonly organizationId: OrganizationId
  readonly channelId: ChannelId
  readonly waId: string | null
  readonly userId: string | null
}

export type OutboundBody =
  | { readonly _tag: "text"; readonly text: string; readonly replyTo: string | null }
  | { readonly _tag: "template"; readonly name: string; readonly language: string; readonly parameters: ReadonlyArray<string> }

export class SendFailed extends Schema.TaggedError<SendFailed>()("SendFailed", {
  code: Schema.NullOr(Schema.Int),
  title: Schema.String,
  details: Schema.String,
  /** 131047: outside the 24-hour window, only a template can go */
  windowClosed: Schema.Boolean
}) {}

export class OutboundSender extends Context.Service<OutboundSender, {
  readonly send: (target: SendTarget, body: OutboundBody) => Effect.Effect<{ readonly wamid: string }, SendFailed>
  /** best effort: marks the lead's message (and the earlier ones) read */
  readonly markRead: (target: SendTarget, wamid: string) => Effect.Effect<void>
}>()("wa/OutboundSender") {}
