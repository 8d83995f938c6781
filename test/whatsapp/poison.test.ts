/** A delivery that fails every time is retried a bounded number of times, then parked (visible). */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Schedule } from "effect"
import { SqlClient } from "effect/sql"
import { Inbox } from "../../src/inbox/Inbox.ts"
import { change, entry, envelope, metaJson, text } from "../support/webhooks.ts"
import { consumersOnPostgres, PN1, withPn1 } from "./support.ts"

const fast = { visibilityTimeout: Duration.seconds(2), maxAttempts: 3, retryDelay: Duration.millis(50) }

const Consumer = consumersOnPostgres({ consumers: 1, batch: 4, inbox: fast })

describe("poison deliveries", () => {
  it.layer(Consumer, { excludeTestServices: true, timeout: "60 seconds" })((it) => {
    it.effect("a delivery failing on every attempt is parked after maxAttempts with its last error; others flow", () =>
      Effect.gen(function*() {
        const { signedBy } = yield* withPn1
        const inbox = yield* Inbox
        const sql = yield* SqlClient.SqlClient
        // PostgreSQL cannot store U+0000 in text: this message fails every time it is processed
        const poison = metaJson(envelope(entry("waba", change({ phoneNumberId: PN1, messages: [text("15550000090", "bad \u0000 byte")] }))))
        const healthy = metaJson(envelope(entry("waba", change({ phoneNumberId: PN1, messages: [text("15550000091", "fine")] }))))
        yield* inbox.put({ body: new TextEncoder().encode(poison), signedBy })
        yield* inbox.put({ body: new TextEncoder().encode(healthy), signedBy })
        const rows = yield* sql<{ status: string; attempts: number; lastError: string | null }>`
          SELECT status, attempts, last_error FROM webhook_inbox ORDER BY id`.pipe(
          Effect.repeat({ schedule: Schedule.spaced("50 millis"), until: (r) => r.every((x) => x.status !== "pending") }),
          Effect.timeout("20 seconds")
        )
        assert.deepStrictEqual(rows.map((r) => [r.status, r.attempts]), [["parked", 3], ["done", 1]])
        assert.match(rows[0]?.lastError ?? "", /invalid byte sequence|unsupported Unicode escape sequence/)
        const parked = yield* inbox.parked(10)
        assert.strictEqual(parked.length, 1)
        const stored = yield* sql<{ content: string }>`SELECT content FROM messages`
        assert.deepStrictEqual(stored.map((r) => r.content), ["fine"])
      }))
  })
})
