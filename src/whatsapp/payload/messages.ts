/** Every inbound message type of docs/WHATSAPP.md §4; any other `type` is kept raw. */
import { Schema } from "effect"
import { messageBase } from "./common.ts"

const opt = Schema.optionalKey
const S = Schema.String

const Media = Schema.Struct({
  id: S,
  mime_type: opt(S),
  sha256: opt(S),
  caption: opt(S),
  filename: opt(S),
  voice: opt(Schema.Boolean),
  animated: opt(Schema.Boolean),
  url: opt(S)
})
export type Media = typeof Media.Type

const typed = <T extends string, F extends Schema.Struct.Fields>(type: T, fields: F) =>
  Schema.Struct({ ...messageBase, type: Schema.Literal(type), ...fields })

export const TextMessage = typed("text", { text: Schema.Struct({ body: S }) })
export const ImageMessage = typed("image", { image: Media })
export const AudioMessage = typed("audio", { audio: Media })
export const VideoMessage = typed("video", { video: Media })
export const DocumentMessage = typed("document", { document: Media })
export const StickerMessage = typed("sticker", { sticker: Media })

export const LocationMessage = typed("location", {
  location: Schema.Struct({
    latitude: Schema.Number,
    longitude: Schema.Number,
    name: opt(S),
    address: opt(S),
    url: opt(S)
  })
})

export const SharedContact = Schema.Struct({
  name: opt(Schema.Struct({ formatted_name: opt(S), first_name: opt(S), last_name: opt(S) })),
  phones: opt(Schema.Array(Schema.Struct({ phone: opt(S), wa_id: opt(S), type: opt(S) }))),
  emails: opt(Schema.Array(Schema.Struct({ email: opt(S), type: opt(S) }))),
  org: opt(Schema.Struct({ company: opt(S), title: opt(S) }))
})
export const ContactsMessage = typed("contacts", { contacts: Schema.Array(SharedContact) })

const Reply = Schema.Struct({ id: S, title: S, description: opt(S) })
export const InteractiveReply = Schema.Union([
  Schema.Struct({ type: Schema.Literal("button_reply"), button_reply: Reply }),
  Schema.Struct({ type: Schema.Literal("list_reply"), list_reply: Reply }),
  Schema.Struct({
    type: Schema.Literal("nfm_reply"),
    // response_json is a JSON string: decoded by whoever reads the flow answer
    nfm_reply: Schema.Struct({ name: opt(S), body: opt(S), response_json: S })
  })
])
export const InteractiveMessage = typed("interactive", { interactive: InteractiveReply })

/** A template quick-reply tap: `payload`, not `id`. */
export const ButtonMessage = typed("button", { button: Schema.Struct({ text: S, payload: opt(S) }) })

/** A reaction to one of our messages; no (or an empty) emoji means the reaction was removed. */
export const ReactionMessage = typed("reaction", { reaction: Schema.Struct({ message_id: S, emoji: opt(S) }) })

export const OrderMessage = typed("order", {
  order: Schema.Struct({
    catalog_id: opt(S),
    text: opt(S),
    product_items: Schema.Array(Schema.Struct({
      product_retailer_id: S,
      quantity: Schema.Number,
      item_price: opt(Schema.Number),
      currency: opt(S)
    }))
  })
})

export const SystemMessage = typed("system", {
  system: Schema.Struct({
    body: opt(S),
    type: opt(S),
    wa_id: opt(S),
    user_id: opt(S),
    previous_user_id: opt(S),
    customer: opt(S),
    identity: opt(S)
  })
})

export const UnsupportedMessage = typed("unsupported", { unsupported: opt(Schema.Struct({ type: opt(S) })) })

/** Anything else (`request_welcome`, a known type with its body missing, future types). */
export const UnknownMessage = Schema.Struct({ ...messageBase, type: S })

export const KnownMessage = Schema.Union([
  TextMessage,
  ImageMessage,
  AudioMessage,
  VideoMessage,
  DocumentMessage,
  StickerMessage,
  LocationMessage,
  ContactsMessage,
  InteractiveMessage,
  ButtonMessage,
  ReactionMessage,
  OrderMessage,
  SystemMessage,
  UnsupportedMessage
])
export type KnownMessage = typeof KnownMessage.Type

export const InboundMessage = Schema.Union([KnownMessage, UnknownMessage])
export type InboundMessage = typeof InboundMessage.Type
