/** GET/POST /webhooks/whatsapp over real HTTP: handshake, signatures on bytes, limits, durability. */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Logger, References, Schedule, Schema } from "effect"
import { HttpClient } from "effect/http"
import { SqlClient } from "effect/sql"
import { WEBHOOK_MAX_BYTES } from "../../src/domain/WhatsAppApi.ts"
import { appWithServicesTest } from "../support/appServices.ts"
import { change, entry, envelope, metaJson, postWebhook, signature, signed, text } from "../support/webhooks.ts"

const SECRET = "app-secret-a"
const PNID = "109000000000001"
const env = { WHATSAPP_PHONE_NUMBER_ID: PNID, WHATSAPP_APP_SECRET: SECRET, WHATSAPP_VERIFY_TOKEN: "verify-a" }

const verify = (query: string) =>
  HttpClient.get(`/webhooks/whatsapp?${query}`).pipe(
    Effect.flatMap((r) => Effect.map(r.text, (body) => ({ status: r.status, body, type: r.headers["content-type"] ?? "" }))),
    Effect.scoped
  )

const Rows = Schema.Array(Schema.Struct({ status: Schema.String, decodeError: Schema.NullOr(Schema.String), body: Schema.Uint8Array }))
const inboxRows = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql`SELECT status, decode_error, body FROM webhook_inbox ORDER BY id`.pipe(Effect.flatMap(Schema.decodeUnknownEffect(Rows))))
const settled = inboxRows.pipe(
  Effect.repeat({ schedule: Schedule.spaced("20 millis"), until: (rows) => rows.every((r) => r.status !== "pending") }),
  Effect.timeout("10 seconds")
)

/** Every log line of the app, as JSON text (message + annotations), for assertions. */
const logLines: Array<string> = []
const captureLogs = Logger.layer([Logger.make((o) => {
  logLines.push(JSON.stringify({ message: o.message, annotations: o.fiber.getRef(References.CurrentLogAnnotations) }))
})])

describe("WhatsApp webhook intake", () => {
  it.layer(appWithServicesTest(env, captureLogs), { excludeTestServices: true, timeout: "60 seconds" })((it) => {
    it.effect("verification handshake: the challenge as text/plain for the right token, else 403", () =>
      Effect.gen(function*() {
        const ok = yield* verify("hub.mode=subscribe&hub.verify_token=verify-a&hub.challenge=1158201444")
        assert.strictEqual(ok.status, 200)
        assert.strictEqual(ok.body, "1158201444")
        assert.include(ok.type, "text/plain")
        assert.strictEqual((yield* verify("hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1")).status, 403)
        assert.strictEqual((yield* verify("hub.mode=unsubscribe&hub.verify_token=verify-a&hub.challenge=1")).status, 403)
        assert.strictEqual((yield* verify("hub.challenge=1")).status, 403)
      }))

    it.effect("missing or invalid signatures answer 401 and store nothing", () =>
      Effect.gen(function*() {
        const before = (yield* inboxRows).length
        const { body } = signed(SECRET, envelope(entry("waba", change({ phoneNumberId: PNID, messages: [text("15550001111", "hi")] }))))
        assert.strictEqual((yield* postWebhook(body, undefined)).status, 401)
        assert.strictEqual((yield* postWebhook(body, signature("another-secret", body))).status, 401)
        assert.strictEqual((yield* postWebhook(body, "sha256=abc")).status, 401)
        assert.strictEqual((yield* postWebhook(body, signature(SECRET, body).replace("sha256=", "sha1="))).status, 401)
        assert.strictEqual((yield* inboxRows).length, before)
        const warnings = logLines.filter((l) => l.includes("X-Hub-Signature-256"))
        assert.isAtLeast(warnings.length, 4)
        assert.isTrue(warnings.some((l) => l.includes("\"signature\":\"missing\"")))
        assert.isFalse(warnings.some((l) => l.includes("hi") || l.includes("15550001111")), "the body is never logged")
      }))

    it.effect("a good signature stores the exact bytes and answers 200", () =>
      Effect.gen(function*() {
        const before = (yield* inboxRows).length
        const { body, signature: sig } = signed(SECRET, envelope(entry("waba", change({ phoneNumberId: PNID, messages: [text("15550001111", "hello")] }))))
        const res = yield* postWebhook(body, sig)
        assert.strictEqual(res.status, 200)
        const rows = yield* settled
        assert.strictEqual(rows.length, before + 1)
        assert.deepStrictEqual(Array.from(rows.at(-1)?.body ?? []), Array.from(body))
      }))

    it.effect("non-ASCII bodies are verified on the bytes Meta sent, not on re-serialized JSON", () =>
      Effect.gen(function*() {
        const payload = envelope(entry("waba", change({
          phoneNumberId: PNID,
          contacts: [{ waId: "15550002222", name: "José Ñandú" }],
          messages: [text("15550002222", "¿Tienen la talla 42? 👟 https://shop.example/p/42 @ana")]
        })))
        const raw = metaJson(payload)
        assert.include(raw, "\\u00bf") // Meta's escaping, which JSON.stringify would not reproduce
        assert.include(raw, "\\/")
        const bytes = new TextEncoder().encode(raw)
        assert.strictEqual((yield* postWebhook(bytes, signature(SECRET, bytes))).status, 200)
        // a signature over the re-serialized JSON does not match the bytes
        const reserialized = signature(SECRET, JSON.stringify(payload))
        assert.strictEqual((yield* postWebhook(bytes, reserialized)).status, 401)
      }))

    it.effect("bodies above 3 MB answer 413", () =>
      Effect.gen(function*() {
        const big = new Uint8Array(WEBHOOK_MAX_BYTES + 1).fill(32)
        assert.strictEqual((yield* postWebhook(big, signature(SECRET, big))).status, 413)
      }))

    it.effect("signed but not an envelope: 200, kept with its decode error, not retried", () =>
      Effect.gen(function*() {
        const body = new TextEncoder().encode("{\"not\":\"a webhook\"")
        assert.strictEqual((yield* postWebhook(body, signature(SECRET, body))).status, 200)
        const rows = yield* settled
        const row = rows.at(-1)
        assert.strictEqual(row?.status, "parked")
        assert.include(row?.decodeError ?? "", "envelope")
      }))
  })
})
