/** Statuses (monotonic, failures recorded), reactions as state, routing and per-app rejection. */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import type { MessageStatusChanged } from "../../src/domain/events.ts"
import { appWithServicesTest } from "../support/appServices.ts"
import { change, deliver, entry, envelope, message, status, text, unixNow, wamid } from "../support/webhooks.ts"
import { byWamid, consumerEnv, eventsDuring, messages, outbound, PN1, PN3, SECRET_A, SECRET_B, settled, setupChannels } from "./support.ts"

const statusDelivery = (...statuses: Array<unknown>) => envelope(entry("waba", change({ phoneNumberId: PN1, statuses })))
const isStatus = (e: { readonly _tag: string }): e is MessageStatusChanged => e._tag === "MessageStatusChanged"

describe("WhatsApp statuses, reactions and routing", () => {
  it.layer(appWithServicesTest(consumerEnv), { excludeTestServices: true, timeout: "60 seconds" })((it) => {
    it.effect("statuses out of order never move a message back; failures keep code, title and details", () =>
      Effect.gen(function*() {
        yield* setupChannels
        const lead = "15550000050"
        yield* Effect.andThen(deliver(SECRET_A, envelope(entry("waba", change({ phoneNumberId: PN1, messages: [text(lead, "hi")] })))), settled)
        const ours = wamid("out")
        const failing = wamid("out")
        yield* outbound(lead, PN1, ours)
        yield* outbound(lead, PN1, failing)
        const events = yield* eventsDuring(isStatus, Effect.gen(function*() {
          // read arrives first, then a late delivered and sent: read stays
          yield* Effect.andThen(deliver(SECRET_A, statusDelivery(status(ours, "read"), status(ours, "delivered"))), settled)
          yield* Effect.andThen(deliver(SECRET_A, statusDelivery(status(ours, "sent"), status(ours, "failed"))), settled)
          const error = { code: 131026, title: "Message undeliverable", message: "m", error_data: { details: "not on WhatsApp" } }
          yield* Effect.andThen(deliver(SECRET_A, statusDelivery(status(failing, "failed", { errors: [error] }))), settled)
          yield* Effect.andThen(deliver(SECRET_A, statusDelivery(status(failing, "sent"))), settled)
        }))
        const read = yield* byWamid(ours)
        assert.strictEqual(read?.status, "read")
        const failed = yield* byWamid(failing)
        assert.deepStrictEqual([failed?.status, failed?.errorCode, failed?.errorTitle, failed?.errorDetails], ["failed", 131026, "Message undeliverable", "not on WhatsApp"])
        assert.deepStrictEqual(events.filter(isStatus).map((e) => [e.wamid === ours ? "ours" : "failing", e.status, e.errorCode]), [
          ["ours", "read", null],
          ["failing", "failed", 131026]
        ])
        // a played status (voice notes) still moves read forward
        yield* Effect.andThen(deliver(SECRET_A, statusDelivery(status(ours, "played"))), settled)
        assert.strictEqual((yield* byWamid(ours))?.status, "played")
      }))

    it.effect("a reaction is state on our message (removal clears it), never a new message", () =>
      Effect.gen(function*() {
        yield* setupChannels
        const lead = "15550000060"
        yield* Effect.andThen(deliver(SECRET_A, envelope(entry("waba", change({ phoneNumberId: PN1, messages: [text(lead, "hi")] })))), settled)
        const ours = wamid("out")
        yield* outbound(lead, PN1, ours)
        const before = (yield* messages).length
        const react = (emoji: string | undefined) =>
          message("reaction", { reaction: { message_id: ours, ...(emoji === undefined ? {} : { emoji }) } }, { from: lead })
        yield* Effect.andThen(deliver(SECRET_A, envelope(entry("waba", change({ phoneNumberId: PN1, messages: [react("👍")] })))), settled)
        assert.strictEqual((yield* byWamid(ours))?.reaction, "👍")
        yield* Effect.andThen(deliver(SECRET_A, envelope(entry("waba", change({ phoneNumberId: PN1, messages: [react(undefined)] })))), settled)
        assert.isNull((yield* byWamid(ours))?.reaction)
        yield* Effect.andThen(deliver(SECRET_A, envelope(entry("waba", change({ phoneNumberId: PN1, messages: [react("")] })))), settled)
        assert.strictEqual((yield* messages).length, before)
      }))

    it.effect("an unknown phone_number_id is acknowledged, logged and dropped", () =>
      Effect.gen(function*() {
        yield* setupChannels
        const id = wamid()
        const res = yield* deliver(SECRET_A, envelope(entry("waba", change({ phoneNumberId: "999999", messages: [text("15550000070", "lost", { id })] }))))
        assert.strictEqual(res.status, 200)
        yield* settled
        assert.isUndefined(yield* byWamid(id))
        const sql = yield* SqlClient.SqlClient
        const rows = yield* sql<{ status: string }>`SELECT status FROM webhook_inbox ORDER BY id DESC LIMIT 1`
        assert.strictEqual(rows[0]?.status, "done")
      }))

    it.effect("a part for a number of another app's secret is rejected; the rest of the delivery is stored", () =>
      Effect.gen(function*() {
        const { pn3 } = yield* setupChannels
        const mine = wamid()
        const theirs = wamid()
        const payload = envelope(
          entry("waba-a", change({ phoneNumberId: PN1, messages: [text("15550000080", "mine", { id: mine })] })),
          entry("waba-b", change({ phoneNumberId: PN3, messages: [text("15550000081", "forged", { id: theirs })] }))
        )
        yield* Effect.andThen(deliver(SECRET_A, payload), settled)
        assert.isDefined(yield* byWamid(mine))
        assert.isUndefined(yield* byWamid(theirs))
        // signed with app B's secret on PN3's route, PN3's part is accepted (and PN1's rejected)
        const second = wamid()
        const again = envelope(
          entry("waba-b", change({ phoneNumberId: PN3, messages: [text("15550000081", "real", { id: theirs, timestamp: unixNow() })] })),
          entry("waba-a", change({ phoneNumberId: PN1, messages: [text("15550000080", "forged", { id: second })] }))
        )
        assert.strictEqual((yield* deliver(SECRET_B, again)).status, 401, "the bare route takes the deployment's secret only")
        assert.strictEqual((yield* deliver(SECRET_B, again, `/webhooks/whatsapp/${pn3}`)).status, 200)
        yield* settled
        assert.strictEqual((yield* byWamid(theirs))?.content, "real")
        assert.isUndefined(yield* byWamid(second))
      }))
  })
})
