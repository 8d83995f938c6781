/** Pieces shared by inbound messages and statuses (docs/WHATSAPP.md §4–5). */
import { Schema } from "effect"

const opt = Schema.optionalKey

/** `{code, title, message, error_data: {details}, href}` on messages, statuses and `value.errors`. */
export const WaError = Schema.Struct({
  code: Schema.Number,
  title: opt(Schema.String),
  message: opt(Schema.String),
  error_data: opt(Schema.Struct({ details: opt(Schema.String) })),
  href: opt(Schema.String)
})
export type WaError = typeof WaError.Type

/** Reply-to, forwarded flags, or a product question from a catalog message. */
export const MessageContext = Schema.Struct({
  from: opt(Schema.String),
  id: opt(Schema.String),
  forwarded: opt(Schema.Boolean),
  frequently_forwarded: opt(Schema.Boolean),
  referred_product: opt(Schema.Struct({ catalog_id: Schema.String, product_retailer_id: Schema.String }))
})
export type MessageContext = typeof MessageContext.Type

/** Click-to-WhatsApp ad/post referral, on the first message after the click. */
export const Referral = Schema.Struct({
  source_url: opt(Schema.String),
  source_id: opt(Schema.String),
  source_type: opt(Schema.String),
  headline: opt(Schema.String),
  body: opt(Schema.String),
  media_type: opt(Schema.String),
  image_url: opt(Schema.String),
  video_url: opt(Schema.String),
  thumbnail_url: opt(Schema.String),
  ctwa_clid: opt(Schema.String)
})
export type Referral = typeof Referral.Type

/** `contacts[]` of a change: who wrote (wa_id may be absent for username-only users). */
export const Contact = Schema.Struct({
  wa_id: opt(Schema.String),
  user_id: opt(Schema.String),
  parent_user_id: opt(Schema.String),
  profile: opt(Schema.Struct({ name: opt(Schema.String), username: opt(Schema.String) }))
})
export type Contact = typeof Contact.Type

/** Fields every inbound message may carry, whatever its type. */
export const messageBase = {
  id: Schema.String,
  timestamp: Schema.String,
  from: opt(Schema.String),
  from_user_id: opt(Schema.String),
  from_parent_user_id: opt(Schema.String),
  context: opt(MessageContext),
  referral: opt(Referral),
  errors: opt(Schema.Array(WaError))
}
