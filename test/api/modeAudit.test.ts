import { assert, describe, it } from "@effect/vitest"
import { DateTime, Effect, Layer, Schedule } from "effect"
import { SqlClient } from "effect/sql"
import { ModeAuditLive } from "../../src/dashboard/conversations/ModeAudit.ts"
import { ModeChanged } from "../../src/domain/events.ts"
import { ConversationId, OrganizationId } from "../../src/domain/ids.ts"
import { EventBus } from "../../src/events/EventBus.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

const TestLayer = ModeAuditLive.pipe(Layer.provideMerge(EventBus.layer), Layer.provideMerge(TestDatabase.withClient))

describe("ModeAudit", () => {
  it.layer(TestLayer, { excludeTestServices: true })((it) => {
    it.effect("keeps the bot's handoffs (with their reason) as conversation_events for analytics", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const [org] = yield* sql<{ id: string }>`INSERT INTO organizations (name, invite_code) VALUES ('o', 'AUDIT00001') RETURNING id`
        const orgId = org?.id ?? ""
        const [channel] = yield* sql<{ id: string }>`INSERT INTO channels (organization_id, phone_number_id, transport) VALUES (${orgId}, 'audit-pn', 'sandbox') RETURNING id`
        const [lead] = yield* sql<{ id: string }>`INSERT INTO leads (organization_id, wa_id) VALUES (${orgId}, '15550001') RETURNING id`
        const [conv] = yield* sql<{ id: string }>`INSERT INTO conversations (organization_id, lead_id, channel_id)
          VALUES (${orgId}, ${lead?.id ?? ""}, ${channel?.id ?? ""}) RETURNING id`
        const bus = yield* EventBus
        const base = {
          organizationId: OrganizationId.make(orgId),
          conversationId: ConversationId.make(conv?.id ?? ""),
          at: DateTime.makeUnsafe(Date.now()),
          mode: "human" as const,
          byUserId: null
        }
        // the subscriber starts with the layer; a takeover is not the bot's handoff and is ignored here
        yield* bus.publish(new ModeChanged({ ...base, kind: "takeover", reason: null }))
        yield* bus.publish(new ModeChanged({ ...base, kind: "handoff", reason: "low_confidence: 0.2" }))
        const rows = yield* sql<{ eventType: string; reason: string }>`
          SELECT event_type, details->>'reason' AS reason FROM conversation_events WHERE conversation_id = ${conv?.id ?? ""}`.pipe(
          Effect.filterOrFail((rows) => rows.length > 0),
          Effect.retry(Schedule.spaced("20 millis").pipe(Schedule.upTo({ times: 100 })))
        )
        assert.deepStrictEqual(rows.map((r) => [r.eventType, r.reason]), [["handoff", "low_confidence: 0.2"]])
      }))
  })
})
