/**
 * Builders for WhatsApp webhook deliveries, serialized like Meta does (non-ASCII as \uXXXX,
 * "/" as "\/") and signed over the exact bytes — for intake, consumer and engine tests.
 */
import { createHmac, randomUUID } from "node:crypto"
import { Effect } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"

/** JSON as Meta sends it: ASCII only, slashes escaped. */
export const metaJson = (value: unknown): string =>
  JSON.stringify(value)
    .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
    .replace(/\//g, "\\/")

export const signature = (secret: string, body: Uint8Array | string): string =>
  "sha256=" + createHmac("sha256", secret).update(body).digest("hex")

let counter = 0
export const wamid = (prefix = "in") => `wamid.${prefix}.${Date.now().toString(36)}.${++counter}.${randomUUID().slice(0, 8)}`
export const unixNow = (offsetSeconds = 0) => String(Math.floor(Date.now() / 1000) + offsetSeconds)

export interface ChangeInput {
  readonly phoneNumberId: string
  readonly displayPhoneNumber?: string
  readonly contacts?: ReadonlyArray<{ readonly waId?: string; readonly userId?: string; readonly name?: string; readonly username?: string }>
  readonly messages?: ReadonlyArray<unknown>
  readonly statuses?: ReadonlyArray<unknown>
  readonly errors?: ReadonlyArray<unknown>
  readonly field?: string
}

export const change = (c: ChangeInput) => ({
  field: c.field ?? "messages",
  value: {
    messaging_product: "whatsapp",
    metadata: { display_phone_number: c.displayPhoneNumber ?? "15550100001", phone_number_id: c.phoneNumberId },
    ...(c.contacts === undefined ? {} : {
      contacts: c.contacts.map((x) => ({
        ...(x.waId === undefined ? {} : { wa_id: x.waId }),
        ...(x.userId === undefined ? {} : { user_id: x.userId }),
        profile: { ...(x.name === undefined ? {} : { name: x.name }), ...(x.username === undefined ? {} : { username: x.username }) }
      }))
    }),
    ...(c.messages === undefined ? {} : { messages: c.messages }),
    ...(c.statuses === undefined ? {} : { statuses: c.statuses }),
    ...(c.errors === undefined ? {} : { errors: c.errors })
  }
})

/** One entry per WABA; pass several changes (or call `entry` several times) for a batch. */
export const entry = (wabaId: string, ...changes: ReadonlyArray<ReturnType<typeof change>>) => ({ id: wabaId, changes })
export const envelope = (...entries: ReadonlyArray<ReturnType<typeof entry>>) => ({ object: "whatsapp_business_account", entry: entries })

/** An inbound message of any type: `message("text", { text: { body: "hi" } }, { from })`. */
export const message = (
  type: string,
  body: Record<string, unknown>,
  meta: { readonly from?: string; readonly fromUserId?: string; readonly id?: string; readonly timestamp?: string; readonly context?: unknown; readonly referral?: unknown; readonly errors?: unknown }
) => ({
  ...(meta.from === undefined ? {} : { from: meta.from }),
  ...(meta.fromUserId === undefined ? {} : { from_user_id: meta.fromUserId }),
  id: meta.id ?? wamid(),
  timestamp: meta.timestamp ?? unixNow(),
  type,
  ...body,
  ...(meta.context === undefined ? {} : { context: meta.context }),
  ...(meta.referral === undefined ? {} : { referral: meta.referral }),
  ...(meta.errors === undefined ? {} : { errors: meta.errors })
})

export const text = (from: string, body: string, meta: { readonly id?: string; readonly timestamp?: string; readonly context?: unknown } = {}) =>
  message("text", { text: { body } }, { from, ...meta })

export const status = (
  id: string,
  value: string,
  meta: {
    readonly recipientId?: string
    readonly timestamp?: string
    readonly errors?: ReadonlyArray<unknown>
    /** what the send carried in `biz_opaque_callback_data` */
    readonly callbackData?: string
  } = {}
) => ({
  id,
  status: value,
  timestamp: meta.timestamp ?? unixNow(),
  recipient_id: meta.recipientId ?? "15550001111",
  ...(meta.errors === undefined ? {} : { errors: meta.errors }),
  ...(meta.callbackData === undefined ? {} : { biz_opaque_callback_data: meta.callbackData })
})

/** Serializes (Meta-style) and returns the exact bytes plus their signature. */
export const signed = (secret: string, payload: unknown) => {
  const body = new TextEncoder().encode(typeof payload === "string" ? payload : metaJson(payload))
  return { body, signature: signature(secret, body) }
}

/**
 * POSTs bytes to /webhooks/whatsapp on the test server (`signature: undefined` omits the header);
 * `path` for a channel's route (`/webhooks/whatsapp/{channelId}`).
 */
export const postWebhook = (body: Uint8Array, sig: string | undefined, path = "/webhooks/whatsapp") =>
  HttpClientRequest.post(path).pipe(
    HttpClientRequest.bodyUint8Array(body, "application/json"),
    sig === undefined ? (r) => r : HttpClientRequest.setHeader("x-hub-signature-256", sig),
    HttpClient.execute,
    Effect.flatMap((res) => Effect.map(res.text, (text) => ({ status: res.status, text }))),
    Effect.scoped
  )

/** Signs and posts a payload (to `path`: the bare route by default). */
export const deliver = (secret: string, payload: unknown, path?: string) => {
  const { body, signature: sig } = signed(secret, payload)
  return postWebhook(body, sig, path)
}

/** A lead's text message, signed like Meta does, posted to a service process on `port`; its wamid (fails unless 200). */
export const postLeadText = (
  to: { readonly port: number; readonly appSecret: string; readonly phoneNumberId: string },
  waId: string,
  body: string,
  id = wamid()
) => {
  const { body: bytes, signature: sig } = signed(to.appSecret, envelope(entry("waba", change({
    phoneNumberId: to.phoneNumberId,
    contacts: [{ waId, name: `Lead ${waId}` }],
    messages: [text(waId, body, { id })]
  }))))
  return fetch(`http://127.0.0.1:${to.port}/webhooks/whatsapp`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-hub-signature-256": sig },
    body: bytes
  }).then(async (r) => {
    if (r.status !== 200) throw new Error(`webhook answered ${r.status}: ${await r.text()}`)
    return id
  })
}
