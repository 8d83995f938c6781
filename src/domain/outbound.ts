/**
 * A message we send: free text (quoting a lead's message or not) or an approved template. One
 * definition for the engine, the internal RPC (a Schema: it crosses the wire) and the Graph API
 * sender (src/whatsapp/WhatsApp.ts builds Meta's body from it).
 */
import { Schema } from "effect"

export const OutboundBody = Schema.Union([
  Schema.TaggedStruct("text", { text: Schema.String, replyTo: Schema.NullOr(Schema.String) }),
  Schema.TaggedStruct("template", {
    name: Schema.String,
    language: Schema.String,
    /** Body parameters, in order ({{1}}, {{2}} …). */
    parameters: Schema.Array(Schema.String)
  })
])
export type OutboundBody = typeof OutboundBody.Type

/**
 * The reason a send that failed hands its conversation to a person with: `send_failed: <Graph
 * code, or network> <title>` (a follow-up's adds " (follow-up)"). A send of unknown outcome reads
 * `send_failed: network SendOutcomeUnknown`, which its confirmation looks for (src/whatsapp/InboundStatuses.ts).
 */
export const sendFailedReason = (error: { readonly code: number | null; readonly title: string }) =>
  `send_failed: ${error.code ?? "network"} ${error.title}`
