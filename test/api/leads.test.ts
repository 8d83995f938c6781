import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { appTest } from "../support/app.ts"
import { call, createOrg, db, env, seedConversation } from "./support.ts"

describe("leads", () => {
  it.layer(appTest(env), { excludeTestServices: true })((it) => {
    it.effect("create, list, update, soft delete", () =>
      Effect.gen(function*() {
        const { token } = yield* createOrg()
        const created = yield* call("POST", "/leads/create", {
          token,
          body: { phone: "+34600111222", name: " Marta ", email: "Marta@Example.com ", company: "Bikes SL" }
        })
        assert.strictEqual(created.status, 201)
        assert.deepStrictEqual(
          { ...created.body, id: "", created_at: "", updated_at: "" },
          {
            id: "", phone: "+34600111222", name: "Marta", email: "marta@example.com", company: "Bikes SL",
            conversation_stage: "greeting", intent_level: "unknown", user_sentiment: "neutral", created_at: "", updated_at: ""
          }
        )
        const listed = yield* call("GET", "/leads/", { token })
        assert.strictEqual(listed.status, 200)
        assert.deepStrictEqual(listed.body.items.map((l: { id: string }) => l.id), [created.body.id])
        assert.isNull(listed.body.next_cursor)

        const updated = yield* call("PUT", `/leads/${created.body.id}`, {
          token,
          body: { name: "Marta G.", company: null, conversation_stage: "pricing" }
        })
        assert.strictEqual(updated.status, 200)
        assert.strictEqual(updated.body.name, "Marta G.")
        assert.isNull(updated.body.company)
        assert.strictEqual(updated.body.email, "marta@example.com")
        assert.strictEqual(updated.body.conversation_stage, "pricing")

        const deleted = yield* call("DELETE", `/leads/${created.body.id}`, { token })
        assert.strictEqual(deleted.status, 204)
        assert.strictEqual((yield* call("GET", "/leads/", { token })).body.items.length, 0)
        assert.strictEqual((yield* call("PUT", `/leads/${created.body.id}`, { token, body: { name: "x" } })).status, 404)
        assert.strictEqual((yield* call("DELETE", `/leads/${created.body.id}`, { token })).status, 404)
        // the row is kept (history), marked deleted; the phone can be used again
        const rows = yield* db((sql) => sql<{ deletedAt: Date | null }>`SELECT deleted_at FROM leads WHERE id = ${created.body.id}`)
        assert.isNotNull(rows[0]?.deletedAt)
        const again = yield* call("POST", "/leads/create", { token, body: { phone: "+34600111222" } })
        assert.strictEqual(again.status, 201)
      }))

    it.effect("a phone is unique per organization → 409; another organization may use it", () =>
      Effect.gen(function*() {
        const a = yield* createOrg()
        const b = yield* createOrg()
        assert.strictEqual((yield* call("POST", "/leads/create", { token: a.token, body: { phone: "+4915112345678" } })).status, 201)
        const dup = yield* call("POST", "/leads/create", { token: a.token, body: { phone: "+4915112345678" } })
        assert.strictEqual(dup.status, 409)
        assert.strictEqual(dup.body.error.code, "conflict")
        assert.include(dup.body.error.message, "phone")
        assert.strictEqual((yield* call("POST", "/leads/create", { token: b.token, body: { phone: "+4915112345678" } })).status, 201)
        const other = yield* call("POST", "/leads/create", { token: a.token, body: { phone: "+4915112345679" } })
        const clash = yield* call("PUT", `/leads/${other.body.id}`, { token: a.token, body: { phone: "+4915112345678" } })
        assert.strictEqual(clash.status, 409)
      }))

    it.effect("validation errors name the field", () =>
      Effect.gen(function*() {
        const { token } = yield* createOrg()
        const cases: Array<[string, "POST" | "PUT", unknown, string]> = [
          ["/leads/create", "POST", { phone: "600111222" }, "phone"],
          ["/leads/create", "POST", { phone: "+0123456789" }, "phone"],
          ["/leads/create", "POST", { phone: "+34 600 111 222" }, "phone"],
          ["/leads/create", "POST", {}, "phone"],
          ["/leads/create", "POST", { phone: "+34600111333", email: "nope" }, "email"],
          ["/leads/create", "POST", { phone: "+34600111333", name: "" }, "name"],
          ["/leads/00000000-0000-0000-0000-000000000000", "PUT", { conversation_stage: "married" }, "conversation_stage"],
          ["/leads/00000000-0000-0000-0000-000000000000", "PUT", { intent_level: 3 }, "intent_level"],
          ["/leads/not-a-uuid", "PUT", { name: "x" }, "id"]
        ]
        for (const [path, method, body, field] of cases) {
          const r = yield* call(method, path, { token, body })
          assert.strictEqual(r.status, 400, `${path} ${JSON.stringify(body)}`)
          assert.strictEqual(r.body.error.code, "validation_error")
          assert.match(r.body.error.message, new RegExp(`^${field}: `), r.body.error.message)
        }
        const limit = yield* call("GET", "/leads/?limit=1000", { token })
        assert.strictEqual(limit.status, 400)
        assert.match(limit.body.error.message, /^limit: /)
        const cursor = yield* call("GET", "/leads/?cursor=bogus", { token })
        assert.strictEqual(cursor.status, 400)
        assert.match(cursor.body.error.message, /^cursor: /)
        const forged = Buffer.from(JSON.stringify({ k: "2026-01-01'; DROP TABLE leads; --", id: "x" })).toString("base64url")
        assert.strictEqual((yield* call("GET", `/leads/?cursor=${forged}`, { token })).status, 400)
      }))

    it.effect("pagination walks every lead once, newest first, stable while new leads arrive", () =>
      Effect.gen(function*() {
        const { token, orgId } = yield* createOrg()
        // same created_at for several rows: the id breaks the tie
        yield* db((sql) => sql`INSERT INTO leads (organization_id, phone, created_at)
          SELECT ${orgId}, '+1555000' || lpad(i::text, 4, '0'), timestamptz '2026-01-01' + (i / 3) * interval '1 microsecond'
          FROM generate_series(1, 25) i`)
        const seen: Array<string> = []
        let cursor: string | null = null
        let pages = 0
        do {
          const r: { body: { items: Array<{ id: string; phone: string }>; next_cursor: string | null } } = yield* call(
            "GET", `/leads/?limit=7${cursor === null ? "" : `&cursor=${cursor}`}`, { token })
          seen.push(...r.body.items.map((l) => l.phone))
          cursor = r.body.next_cursor
          pages++
          if (pages === 2) yield* call("POST", "/leads/create", { token, body: { phone: "+15559999999" } })
        } while (cursor !== null)
        assert.strictEqual(pages, 4)
        assert.strictEqual(seen.length, 25)
        assert.strictEqual(new Set(seen).size, 25)
        assert.notInclude(seen, "+15559999999")
        const first = yield* call("GET", "/leads/?limit=1", { token })
        assert.strictEqual(first.body.items[0].phone, "+15559999999")
        const search = yield* call("GET", "/leads/?search=0007", { token })
        assert.deepStrictEqual(search.body.items.map((l: { phone: string }) => l.phone), ["+15550000007"])
        yield* seedConversation(orgId)
      }))
  })
})
