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
