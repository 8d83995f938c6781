/**
 * The webhook envelope (docs/WHATSAPP.md §2, §5). Messages are kept as raw JSON here and
 * decoded one by one (`decodeMessage`), so one odd message never hides the others of a batch.
 */
import { Option, Schema } from "effect"
import { Contact, WaError } from "./common.ts"
import { KnownMessage, UnknownMessage } from "./messages.ts"

const opt = Schema.optionalKey

export const StatusValue = Schema.Literals(["sent", "delivered", "read", "played", "failed"])
export type StatusValue = typeof StatusValue.Type

export const Status = Schema.Struct({
  id: Schema.String,
  status: Schema.String,
  timestamp: Schema.String,
  recipient_id: opt(Schema.String),
  recipient_user_id: opt(Schema.String),
  conversation: opt(Schema.Unknown),
  pricing: opt(Schema.Unknown),
  biz_opaque_callback_data: opt(Schema.String),
  errors: opt(Schema.Array(WaError))
})
export type Status = typeof Status.Type

export const ChangeValue = Schema.Struct({
  messaging_product: opt(Schema.String),
  metadata: opt(Schema.Struct({ display_phone_number: opt(Schema.String), phone_number_id: Schema.String })),
  contacts: opt(Schema.Array(Contact)),
  messages: opt(Schema.Array(Schema.Unknown)),
  statuses: opt(Schema.Array(Schema.Unknown)),
  errors: opt(Schema.Array(WaError))
})
export type ChangeValue = typeof ChangeValue.Type

export const Change = Schema.Struct({ field: Schema.String, value: Schema.Unknown })
export const Entry = Schema.Struct({ id: Schema.String, changes: Schema.Array(Change) })
export const Envelope = Schema.Struct({ object: Schema.String, entry: Schema.Array(Entry) })
export type Envelope = typeof Envelope.Type

/** Bytes → envelope; the caller has checked the signature over these bytes already. */
export const EnvelopeFromJson = Schema.fromJsonString(Envelope)

export type DecodedMessage =
  | { readonly _tag: "Known"; readonly message: KnownMessage; readonly raw: unknown }
  | { readonly _tag: "Unknown"; readonly message: typeof UnknownMessage.Type; readonly raw: unknown }

const known = Schema.decodeUnknownOption(KnownMessage)
const unknown = Schema.decodeUnknownOption(UnknownMessage)
const status = Schema.decodeUnknownOption(Status)
const changeValue = Schema.decodeUnknownOption(ChangeValue)

/** A known type, or the raw message with its id/sender (stored as unsupported); none without an id. */
export const decodeMessage = (raw: unknown): Option.Option<DecodedMessage> =>
  Option.match(known(raw), {
    onSome: (message) => Option.some({ _tag: "Known", message, raw }),
    onNone: () => Option.map(unknown(raw), (message) => ({ _tag: "Unknown", message, raw }))
  })

export const decodeStatus = (raw: unknown): Option.Option<Status> => status(raw)

/** `value` of a `messages` change; other fields (template updates, preferences) are not ours. */
export const decodeChangeValue = (raw: unknown): Option.Option<ChangeValue> => changeValue(raw)
