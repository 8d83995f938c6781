/**
 * A lead's text message as WhatsApp delivers it to the webhook (docs/WHATSAPP.md §2–§4): one
 * envelope for the sandbox number, serialized once and signed over those exact bytes.
 */
import { createHmac, randomUUID } from "node:crypto"

export interface LeadText {
  readonly phoneNumberId: string
  /** The lead's number: digits only, no "+". */
  readonly from: string
  readonly name: string | undefined
  readonly text: string
}

export const leadTextEnvelope = (message: LeadText, now = new Date()) => ({
  object: "whatsapp_business_account",
  entry: [{
    id: "sandbox",
    changes: [{
      field: "messages",
      value: {
        messaging_product: "whatsapp",
        metadata: { display_phone_number: "sandbox", phone_number_id: message.phoneNumberId },
        contacts: [{ wa_id: message.from, profile: message.name === undefined ? {} : { name: message.name } }],
        messages: [{
          from: message.from,
          id: `wamid.sandbox.${randomUUID()}`,
          timestamp: String(Math.floor(now.getTime() / 1000)),
          type: "text",
          text: { body: message.text }
        }]
      }
    }]
  }]
})

/** The body bytes and their `X-Hub-Signature-256` header value. */
export const signedDelivery = (appSecret: string, payload: unknown) => {
  const body = new TextEncoder().encode(JSON.stringify(payload))
  return { body, signature: "sha256=" + createHmac("sha256", appSecret).update(body).digest("hex") }
}
