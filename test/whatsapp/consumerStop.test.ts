/**
 * A stop takes nothing new from the inbox: the deliveries a consumer has not claimed stay
 * claimable at once by the next process, instead of waiting out the visibility timeout.
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Schedule } from "effect"
import { SqlClient } from "effect/sql"
import { Inbox } from "../../src/inbox/Inbox.ts"
import { Drain } from "../../src/lifecycle/Drain.ts"
import { change, entry, envelope, metaJson, text } from "../support/webhooks.ts"
import { consumersOnPostgres, PN1, withPn1 } from "./support.ts"

const Consumer = consumersOnPostgres({
  consumers: 2,
  batch: 4,
  inbox: { visibilityTimeout: Duration.minutes(5), maxAttempts: 3, retryDelay: Duration.millis(50) }
})

describe("inbox consumers at a stop", () => {
  it.layer(Consumer, { excludeTestServices: true, timeout: "60 seconds" })((it) => {
    it.effect("finish the batches in hand and claim no more: what is left is claimable at once", () =>
      Effect.gen(function*() {
        const { signedBy } = yield* withPn1
        const inbox = yield* Inbox
        const sql = yield* SqlClient.SqlClient
        const delivery = (i: number) =>
          new TextEncoder().encode(metaJson(envelope(entry("waba", change({ phoneNumberId: PN1, messages: [text(`1555000${String(i).padStart(4, "0")}`, `hello ${i}`)] })))))
        yield* Effect.forEach(Array.from({ length: 200 }, (_, i) => i), (i) => inbox.put({ body: delivery(i), signedBy }), { concurrency: 20, discard: true })
        // the consumers are at work: stop while they are
        yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM webhook_inbox WHERE status = 'done'`.pipe(
          Effect.repeat({ schedule: Schedule.spaced("5 millis"), until: (r) => (r[0]?.n ?? 0) > 0 }),
          Effect.timeout("20 seconds")
        )
        const left = yield* (yield* Drain).drain(Duration.seconds(10))
        assert.strictEqual(left, 0)
        // a claim the stop raced would commit a moment after the drain
        yield* Effect.sleep("300 millis")
        const rows = yield* sql<{ done: number; pending: number; held: number }>`
          SELECT count(*) FILTER (WHERE status = 'done')::int AS done,
                 count(*) FILTER (WHERE status = 'pending')::int AS pending,
                 count(*) FILTER (WHERE status = 'pending' AND visible_at > now())::int AS held
          FROM webhook_inbox`
        const counts = rows[0]
        assert.isDefined(counts)
        assert.isAbove(counts?.pending ?? 0, 0, "the stop came before the backlog was done")
        assert.strictEqual(counts?.held, 0, "deliveries claimed after the stop began wait out the visibility timeout")
        assert.strictEqual((counts?.done ?? 0) + (counts?.pending ?? 0), 200)
      }))
  })
})
