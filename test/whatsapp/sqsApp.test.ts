/** The whole path with SQS as the inbox (fauxqs): signed POST → FIFO queue → consumer → stored once. */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Schedule } from "effect"
import { SqlClient } from "effect/sql"
import { Inbox } from "../../src/inbox/Inbox.ts"
import { appWithServicesTest } from "../support/appServices.ts"
import { fauxqsQueue } from "../support/fauxqs.ts"
import { change, deliver, entry, envelope, text, wamid } from "../support/webhooks.ts"
import { consumerEnv, PN1, SECRET_A } from "./support.ts"

const AppOnSqs = Layer.unwrap(Effect.map(fauxqsQueue("app-inbox", 5), ({ server, queueUrl }) =>
  appWithServicesTest({
    ...consumerEnv,
    // fauxqs names the host sqs.<region>.<host>; the path is what identifies the queue
    SQS_QUEUE_URL: `${server.address}${new URL(queueUrl.replace(/^http:\/\/[^/]+/, "http://x")).pathname}`,
    AWS_ENDPOINT_URL: server.address,
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test"
  })))

describe("WhatsApp intake with the SQS inbox", () => {
  it.layer(AppOnSqs, { excludeTestServices: true, timeout: "60 seconds" })((it) => {
    it.effect("a signed delivery goes through SQS and is stored once, also when Meta sends it three times", () =>
      Effect.gen(function*() {
        assert.strictEqual((yield* Inbox).kind, "sqs")
        const sql = yield* SqlClient.SqlClient
        const id = wamid()
        const payload = envelope(entry("waba", change({ phoneNumberId: PN1, contacts: [{ waId: "15550000100", name: "Sqs" }], messages: [text("15550000100", "via sqs", { id })] })))
        for (let i = 0; i < 3; i++) assert.strictEqual((yield* deliver(SECRET_A, payload)).status, 200)
        const rows = yield* sql<{ content: string }>`SELECT content FROM messages WHERE wamid = ${id}`.pipe(
          Effect.repeat({ schedule: Schedule.spaced("50 millis"), until: (r) => r.length > 0 }),
          Effect.timeout("20 seconds")
        )
        assert.deepStrictEqual(rows, [{ content: "via sqs" }])
        yield* Effect.sleep("300 millis")
        const again = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM messages WHERE wamid = ${id}`
        assert.strictEqual(again[0]?.n, 1)
      }))

    it.effect("a delivery too large for SQS (256 KiB) is acknowledged and kept, parked, in webhook_inbox: not refused for days, not lost", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const big = "x".repeat(300 * 1024)
        const payload = envelope(entry("waba", change({ phoneNumberId: PN1, contacts: [{ waId: "15550000101", name: "Big" }], messages: [text("15550000101", big)] })))
        const r = yield* deliver(SECRET_A, payload)
        assert.strictEqual(r.status, 200)
        const [row] = yield* sql<{ status: string; decodeError: string; bytes: number }>`
          SELECT status, decode_error, octet_length(body) AS bytes FROM webhook_inbox ORDER BY received_at DESC LIMIT 1`
        assert.strictEqual(row?.status, "parked")
        assert.match(row?.decodeError ?? "", /too large for the queue/)
        assert.isAbove(row?.bytes ?? 0, 300 * 1024)
      }))
  })
})
