/** What we store for an inbound message: its type column, a text for lists/prompts, links. */
import type { DecodedMessage } from "./envelope.ts"
import type { KnownMessage, Media } from "./messages.ts"

export interface Described {
  /** messages.type: the WhatsApp type, or `unsupported` for anything we do not model. */
  readonly type: string
  readonly content: string
  readonly replyTo: string | undefined
  /** A lead turn (window, follow-up cancel, engine); system notices are not. */
  readonly isTurn: boolean
}

const media = (kind: string, m: Media) => m.caption ?? (m.filename === undefined ? `[${kind}]` : `[${kind}: ${m.filename}]`)

const contentOf = (m: KnownMessage): string => {
  switch (m.type) {
    case "text":
      return m.text.body
    case "image":
      return media("image", m.image)
    case "audio":
      return m.audio.voice === true ? "[voice note]" : "[audio]"
    case "video":
      return media("video", m.video)
    case "document":
      return media("document", m.document)
    case "sticker":
      return "[sticker]"
    case "location": {
      const l = m.location
      return [l.name, l.address].filter((s) => s !== undefined && s.length > 0).join(", ") || `[location ${l.latitude},${l.longitude}]`
    }
    case "contacts":
      return `[contact: ${m.contacts.map((c) => c.name?.formatted_name ?? c.phones?.[0]?.phone ?? "?").join(", ")}]`
    case "interactive": {
      const i = m.interactive
      return i.type === "button_reply" ? i.button_reply.title : i.type === "list_reply" ? i.list_reply.title : i.nfm_reply.body ?? "[form reply]"
    }
    case "button":
      return m.button.text
    case "reaction":
      return m.reaction.emoji ?? ""
    case "order":
      return m.order.text ?? `[order: ${m.order.product_items.map((p) => `${p.quantity}× ${p.product_retailer_id}`).join(", ")}]`
    case "system":
      return m.system.body ?? `[${m.system.type ?? "system"}]`
    case "unsupported":
      return `[unsupported${m.unsupported?.type === undefined ? "" : `: ${m.unsupported.type}`}]`
  }
}

export const describe = (decoded: DecodedMessage): Described => {
  const replyTo = decoded.message.context?.id
  if (decoded._tag === "Unknown") {
    return { type: "unsupported", content: `[unsupported: ${decoded.message.type}]`, replyTo, isTurn: true }
  }
  const m = decoded.message
  return { type: m.type, content: contentOf(m), replyTo, isTurn: m.type !== "system" }
}
