/** The inbox consumer end to end: signed POSTs in, rows and events out (real HTTP, real Postgres). */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import type { MessageStored } from "../../src/domain/events.ts"
import { appWithServicesTest } from "../support/appServices.ts"
import { change, deliver, entry, envelope, message, text, unixNow, wamid } from "../support/webhooks.ts"
import { byWamid, consumerEnv, eventsDuring, messages, PN1, PN2, SECRET_A, settled, setupChannels } from "./support.ts"

const isStored = (e: { readonly _tag: string }): e is MessageStored => e._tag === "MessageStored"

describe("WhatsApp inbox consumer", () => {
  it.layer(appWithServicesTest(consumerEnv), { excludeTestServices: true, timeout: "60 seconds" })((it) => {
    it.effect("a batch: several entries, changes and messages from several leads on two numbers", () =>
      Effect.gen(function*() {
        const { org } = yield* setupChannels
        const ids = [wamid(), wamid(), wamid(), wamid()]
        const payload = envelope(
          entry("waba-1",
            change({ phoneNumberId: PN1, contacts: [{ waId: "15550000001", name: "Ana" }, { waId: "15550000002", name: "Bo" }],
              messages: [text("15550000001", "hi from Ana", { id: ids[0] }), text("15550000002", "hi from Bo", { id: ids[1] })] }),
            change({ phoneNumberId: PN1, contacts: [{ waId: "15550000001", name: "Ana" }], messages: [text("15550000001", "Ana again", { id: ids[2] })] })),
          entry("waba-2",
            change({ phoneNumberId: PN2, contacts: [{ waId: "15550000003", name: "Cy" }], messages: [text("15550000003", "hi from Cy", { id: ids[3] })] }))
        )
        const events = yield* eventsDuring(isStored, Effect.andThen(deliver(SECRET_A, payload), settled))
        const rows = (yield* messages).filter((r) => ids.includes(r.wamid ?? ""))
        assert.strictEqual(rows.length, 4)
        assert.deepStrictEqual(rows.map((r) => [r.content, r.leadName, r.phoneNumberId, r.messageFrom, r.status]).sort(), [
          ["Ana again", "Ana", PN1, "LEAD", "received"],
          ["hi from Ana", "Ana", PN1, "LEAD", "received"],
          ["hi from Bo", "Bo", PN1, "LEAD", "received"],
          ["hi from Cy", "Cy", PN2, "LEAD", "received"]
        ])
        const stored = events.filter(isStored)
        assert.strictEqual(stored.length, 4)
        for (const e of stored) {
          assert.strictEqual(e.organizationId, org)
          assert.strictEqual(e.from, "LEAD")
          assert.strictEqual(e.type, "text")
          assert.isString(e.conversationId)
          assert.isString(e.leadId)
          assert.isString(e.messageId)
        }
        const ana = stored.filter((e) => e.content.includes("Ana"))
        assert.strictEqual(ana[0]?.conversationId, ana[1]?.conversationId)
        assert.strictEqual(ana[0]?.leadId, ana[1]?.leadId)
      }))

    it.effect("many deliveries at once share a write: each message once, one lead per number, each lead's messages in order", () =>
      Effect.gen(function*() {
        yield* setupChannels
        const sql = yield* SqlClient.SqlClient
        const leads = ["15550000201", "15550000202", "15550000203"]
        // 30 deliveries of 2 messages, 10 per lead; every fifth one sent twice (a redelivery in the same batch)
        const payloads = Array.from({ length: 30 }, (_, i) => {
          const from = leads[i % 3] ?? ""
          const n = Math.floor(i / 3)
          return envelope(entry("waba-1", change({
            phoneNumberId: PN1,
            contacts: [{ waId: from, name: `Lead ${from.slice(-1)} v${n}` }],
            messages: [0, 1].map((k) => text(from, `m${String(n * 2 + k).padStart(2, "0")}`, { id: `wamid.batch.${from}.${n}.${k}` }))
          })))
        })
        const sent = [...payloads, ...payloads.filter((_, i) => i % 5 === 0)]
        const events = yield* eventsDuring(isStored, Effect.andThen(Effect.forEach(sent, (p) => deliver(SECRET_A, p), { concurrency: "unbounded" }), settled))
        const rows = yield* sql<{ waId: string; name: string; content: string; n: number }>`
          SELECT l.wa_id, l.name, m.content, count(*) OVER (PARTITION BY m.wamid)::int AS n FROM messages m JOIN leads l ON l.id = m.lead_id
          WHERE l.wa_id IN ${sql.in(leads)} ORDER BY m.created_at, m.id`
        assert.strictEqual(rows.length, 60)
        assert.isTrue(rows.every((r) => r.n === 1), "each wamid stored once")
        assert.strictEqual(events.filter(isStored).length, 60, "each message announced once")
        const perLead = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM leads WHERE wa_id IN ${sql.in(leads)}`
        assert.strictEqual(perLead[0]?.n, 3)
        for (const lead of leads) {
          // the deliveries raced each other, but a delivery's own messages keep their order
          const mine = rows.filter((r) => r.waId === lead).map((r) => r.content)
          for (let i = 0; i < mine.length; i += 1) {
            const at = mine.indexOf(`m${String(Number(mine[i]?.slice(1)) + 1).padStart(2, "0")}`)
            if (Number(mine[i]?.slice(1)) % 2 === 0) assert.isAbove(at, i, `${lead}: ${mine.join(" ")}`)
          }
        }
        const conversations = yield* sql<{ n: number }>`SELECT count(DISTINCT c.id)::int AS n FROM conversations c JOIN leads l ON l.id = c.lead_id
          WHERE l.wa_id IN ${sql.in(leads)}`
        assert.strictEqual(conversations[0]?.n, 3)
      }))

    it.effect("every message type is stored with its type and a readable content; unknown ones as unsupported", () =>
      Effect.gen(function*() {
        yield* setupChannels
        const from = "15550000010"
        const m = (type: string, body: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
          message(type, body, { from, id: wamid(type), ...extra })
        const all = [
          m("text", { text: { body: "plain" } }, { context: { from: PN1, id: "wamid.quoted" } }),
          m("image", { image: { id: "media-1", mime_type: "image/jpeg", sha256: "x", caption: "this one?" } }),
          m("audio", { audio: { id: "media-2", mime_type: "audio/ogg; codecs=opus", voice: true } }),
          m("video", { video: { id: "media-3", mime_type: "video/mp4" } }),
          m("document", { document: { id: "media-4", filename: "quote.pdf", mime_type: "application/pdf" } }),
          m("sticker", { sticker: { id: "media-5", mime_type: "image/webp", animated: false } }),
          m("location", { location: { latitude: 38.72, longitude: -9.14, name: "Shop", address: "Rua 1" } }),
          m("contacts", { contacts: [{ name: { formatted_name: "Rita Lopes" }, phones: [{ phone: "+1 555 000 9999", wa_id: "15550009999" }] }] }),
          m("interactive", { interactive: { type: "button_reply", button_reply: { id: "BUY_42", title: "Buy now" } } }),
          m("interactive", { interactive: { type: "list_reply", list_reply: { id: "SIZE_42", title: "Size 42", description: "In stock" } } }),
          m("interactive", { interactive: { type: "nfm_reply", nfm_reply: { name: "flow", body: "Sent", response_json: "{\"flow_token\":\"t\"}" } } }),
          m("button", { button: { text: "Track my order", payload: "TRACK_8812" } }),
          m("order", { order: { catalog_id: "c1", product_items: [{ product_retailer_id: "SKU-1", quantity: 2, item_price: 49.9, currency: "USD" }] } }),
          m("unsupported", { unsupported: { type: "poll" } }, { errors: [{ code: 131051, title: "Message type unknown" }] }),
          m("request_welcome", {}),
          m("image", {}, { errors: [{ code: 131000, title: "Unsupported webhook payload" }] }),
          m("text", { text: { body: "from an ad" } }, { referral: { source_type: "ad", source_id: "ad-1", ctwa_clid: "clid-1" } }),
          m("system", { system: { body: "User changed number", type: "user_changed_number", wa_id: "15550000011" } })
        ]
        const payload = envelope(entry("waba", change({ phoneNumberId: PN1, contacts: [{ waId: from, name: "Dee" }], messages: all })))
        const events = yield* eventsDuring(isStored, Effect.andThen(deliver(SECRET_A, payload), settled))
        const got = yield* Effect.forEach(all, (x) => byWamid(x.id))
        assert.deepStrictEqual(got.map((r) => [r?.type, r?.content]), [
          ["text", "plain"],
          ["image", "this one?"],
          ["audio", "[voice note]"],
          ["video", "[video]"],
          ["document", "[document: quote.pdf]"],
          ["sticker", "[sticker]"],
          ["location", "Shop, Rua 1"],
          ["contacts", "[contact: Rita Lopes]"],
          ["interactive", "Buy now"],
          ["interactive", "Size 42"],
          ["interactive", "Sent"],
          ["button", "Track my order"],
          ["order", "[order: 2× SKU-1]"],
          ["unsupported", "[unsupported: poll]"],
          ["unsupported", "[unsupported: request_welcome]"],
          ["unsupported", "[unsupported: image]"],
          ["text", "from an ad"],
          ["system", "User changed number"]
        ])
        assert.strictEqual(got[0]?.replyToWamid, "wamid.quoted")
        // the system notice is stored but is no lead turn: no MessageStored for it
        assert.strictEqual(events.length, all.length - 1)
        assert.isFalse(events.some((e) => isStored(e) && e.type === "system"))
        const sql = yield* SqlClient.SqlClient
        const lead = yield* sql<{ waId: string; ctwaClid: string | null }>`SELECT wa_id, ctwa_clid FROM leads WHERE name = 'Dee'`
        assert.deepStrictEqual(lead[0], { waId: "15550000011", ctwaClid: "clid-1" }) // number change applied
      }))

    it.effect("a message's payload is stored as WhatsApp sent it, every key as it was, nested ones too (a number change, stored alone, too)", () =>
      Effect.gen(function*() {
        yield* setupChannels
        const from = "15550000020"
        // fields WhatsApp may add one day, in any spelling
        const extra = { futureField: { nestedKey: [{ innerKey: 1, snake_key: "x" }], "Odd Key": null } }
        const sent = [
          message("text", { text: { body: "hola" }, ...extra }, { from, id: wamid("keys") }),
          message("system", { system: { body: "User changed number", type: "user_changed_number", wa_id: "15550000021" }, ...extra }, { from, id: wamid("keys") })
        ]
        yield* Effect.andThen(deliver(SECRET_A, envelope(entry("waba", change({ phoneNumberId: PN1, contacts: [{ waId: from, name: "Keys" }], messages: sent })))), settled)
        const sql = yield* SqlClient.SqlClient
        // as text: the client's result transform would rename the keys on the way back
        const rows = yield* sql<{ wamid: string; payload: string }>`SELECT wamid, payload::text AS payload FROM messages
          WHERE wamid IN ${sql.in(sent.map((m) => m.id))}`
        assert.deepStrictEqual(
          sent.map((m) => JSON.parse(rows.find((r) => r.wamid === m.id)?.payload ?? "null")),
          sent
        )
      }))

    it.effect("the same delivery three times stores each message once and announces it once", () =>
      Effect.gen(function*() {
        yield* setupChannels
        const id = wamid()
        const payload = envelope(entry("waba", change({ phoneNumberId: PN1, contacts: [{ waId: "15550000020" }], messages: [text("15550000020", "once", { id })] })))
        const events = yield* eventsDuring((e) => isStored(e) && e.content === "once", Effect.gen(function*() {
          for (let i = 0; i < 3; i++) assert.strictEqual((yield* deliver(SECRET_A, payload)).status, 200)
          yield* settled
        }))
        assert.strictEqual(events.length, 1)
        assert.strictEqual((yield* messages).filter((r) => r.wamid === id).length, 1)
      }))

    it.effect("a lead message cancels pending follow-ups and moves the window by WhatsApp's timestamp", () =>
      Effect.gen(function*() {
        yield* setupChannels
        const sql = yield* SqlClient.SqlClient
        const lead = "15550000030"
        const first = envelope(entry("waba", change({ phoneNumberId: PN1, messages: [text(lead, "newest", { timestamp: unixNow(-60) })] })))
        yield* Effect.andThen(deliver(SECRET_A, first), settled)
        yield* sql`INSERT INTO scheduled_actions (organization_id, conversation_id, scheduled_at)
          SELECT c.organization_id, c.id, now() + interval '1 hour' FROM conversations c JOIN leads l ON l.id = c.lead_id WHERE l.wa_id = ${lead}`
        // an older message arriving late: stored, cancels, but does not move the window back
        const late = envelope(entry("waba", change({ phoneNumberId: PN1, messages: [text(lead, "older", { timestamp: unixNow(-600) })] })))
        yield* Effect.andThen(deliver(SECRET_A, late), settled)
        const rows = yield* sql<{ status: string; outcome: string; lastMessage: string; recent: boolean }>`
          SELECT s.status, s.outcome, c.last_message, c.last_user_message_at > now() - interval '90 seconds' AS recent
          FROM scheduled_actions s JOIN conversations c ON c.id = s.conversation_id JOIN leads l ON l.id = c.lead_id WHERE l.wa_id = ${lead}`
        assert.deepStrictEqual(rows[0], { status: "CANCELLED", outcome: "lead replied", lastMessage: "newest", recent: true })
      }))

    it.effect("one delivery from two leads (several messages each) cancels each lead's follow-ups, and no one else's", () =>
      Effect.gen(function*() {
        yield* setupChannels
        const sql = yield* SqlClient.SqlClient
        const [a, b, quiet] = ["15550000031", "15550000032", "15550000033"]
        const hello = envelope(entry("waba", change({ phoneNumberId: PN1, messages: [text(a, "hi"), text(b, "hi"), text(quiet, "hi")] })))
        yield* Effect.andThen(deliver(SECRET_A, hello), settled)
        yield* sql`INSERT INTO scheduled_actions (organization_id, conversation_id, scheduled_at)
          SELECT c.organization_id, c.id, now() + interval '1 hour' FROM conversations c JOIN leads l ON l.id = c.lead_id
          WHERE l.wa_id IN ${sql.in([a, b, quiet])}`
        const again = envelope(entry("waba", change({ phoneNumberId: PN1, messages: [text(a, "one"), text(b, "two"), text(a, "three"), text(b, "four")] })))
        yield* Effect.andThen(deliver(SECRET_A, again), settled)
        const rows = yield* sql<{ waId: string; status: string }>`
          SELECT l.wa_id, s.status FROM scheduled_actions s JOIN conversations c ON c.id = s.conversation_id JOIN leads l ON l.id = c.lead_id
          WHERE l.wa_id IN ${sql.in([a, b, quiet])} ORDER BY l.wa_id`
        assert.deepStrictEqual(rows, [{ waId: a, status: "CANCELLED" }, { waId: b, status: "CANCELLED" }, { waId: quiet, status: "PENDING" }])
      }))

    it.effect("username-only users (BSUID) become leads, linked to their number when both appear", () =>
      Effect.gen(function*() {
        yield* setupChannels
        const sql = yield* SqlClient.SqlClient
        const bsuid = "US.13491208655302741918"
        const onlyBsuid = message("text", { text: { body: "hidden number" } }, { fromUserId: bsuid })
        yield* Effect.andThen(deliver(SECRET_A, envelope(entry("waba", change({ phoneNumberId: PN1, contacts: [{ userId: bsuid, username: "ana.k" }], messages: [onlyBsuid] })))), settled)
        const both = message("text", { text: { body: "with number" } }, { from: "15550000040", fromUserId: bsuid })
        yield* Effect.andThen(deliver(SECRET_A, envelope(entry("waba", change({ phoneNumberId: PN1, contacts: [{ waId: "15550000040", userId: bsuid, name: "Ana K" }], messages: [both] })))), settled)
        const leads = yield* sql<{ waId: string | null; name: string }>`SELECT wa_id, name FROM leads WHERE user_id = ${bsuid}`
        assert.deepStrictEqual(leads, [{ waId: "15550000040", name: "Ana K" }])
      }))
  })
})
