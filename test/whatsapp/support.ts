/** Shared setup of the WhatsApp consumer tests: an app with two numbers (one per app secret). */
import { Effect, Fiber, Layer, Redacted, Schedule, Schema, Stream } from "effect"
import { SqlClient } from "effect/sql"
import { SecretBox } from "../../src/crypto/SecretBox.ts"
import type { DomainEvent } from "../../src/domain/events.ts"
import { OrganizationId } from "../../src/domain/ids.ts"
import { EventBus } from "../../src/events/EventBus.ts"
import type { InboxOptions } from "../../src/inbox/Inbox.ts"
import { PostgresInboxLayer } from "../../src/inbox/PostgresInbox.ts"
import { DrainLive } from "../../src/lifecycle/Drain.ts"
import { EngineInstance } from "../../src/records/EngineInstance.ts"
import { Channels } from "../../src/whatsapp/Channels.ts"
import { InboundStore } from "../../src/whatsapp/InboundStore.ts"
import { consumeInbox } from "../../src/whatsapp/InboxConsumer.ts"
import { Ingest } from "../../src/whatsapp/Ingest.ts"
import { ensureDefaultOrganization } from "../../src/whatsapp/QuickSetup.ts"
import { fingerprintOf } from "../../src/whatsapp/Signature.ts"
import { WebhookSecrets } from "../../src/whatsapp/WebhookSecrets.ts"
import { testConfig } from "../support/app.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

export const SECRET_A = "app-secret-a"
export const SECRET_B = "app-secret-b"
/** Quick-setup number (app A). */
export const PN1 = "109000000000001"
/** Second number of the default organization, same app (no own secret). */
export const PN2 = "109000000000002"
/** A number of another organization, served by another Meta app (own secret B). */
export const PN3 = "109000000000003"

export const consumerEnv = { WHATSAPP_PHONE_NUMBER_ID: PN1, WHATSAPP_APP_SECRET: SECRET_A, WHATSAPP_VERIFY_TOKEN: "verify-a" }

/** Inbox consumers on the PostgreSQL inbox, with what they store through and a drain of their own (no engine). */
export const consumersOnPostgres = (options: { readonly consumers: number; readonly batch: number; readonly inbox: InboxOptions }) =>
  Layer.effectDiscard(consumeInbox({ consumers: options.consumers, batch: options.batch })).pipe(
    Layer.provideMerge(Ingest.layer),
    Layer.provideMerge(Layer.mergeAll(PostgresInboxLayer(options.inbox), InboundStore.layer, WebhookSecrets.layer, EventBus.layer, EngineInstance.layer, DrainLive)),
    Layer.provideMerge(Channels.layer),
    Layer.provideMerge(SecretBox.layer),
    Layer.provideMerge(testConfig(consumerEnv)),
    Layer.provideMerge(TestDatabase.withClient)
  )

/** The default organization with PN1 bound, and the fingerprint app A's deliveries are signed by. */
export const withPn1 = Effect.gen(function*() {
  const org = yield* ensureDefaultOrganization()
  yield* (yield* Channels).upsert({ organizationId: org, phoneNumberId: PN1, transport: "sandbox" })
  return { org, signedBy: fingerprintOf(Redacted.make(SECRET_A)) }
})

/** Binds PN2 (default org) and PN3 (another org, own secret); their channel ids for their routes. */
export const setupChannels = Effect.gen(function*() {
  const channels = yield* Channels
  const sql = yield* SqlClient.SqlClient
  const org = yield* ensureDefaultOrganization()
  const pn2 = yield* channels.upsert({ organizationId: org, phoneNumberId: PN2, transport: "sandbox" })
  const rows = yield* sql<{ id: string }>`INSERT INTO organizations (name, invite_code) VALUES ('Other', 'other-1')
    ON CONFLICT (invite_code) DO UPDATE SET name = 'Other' RETURNING id`
  const other = OrganizationId.make(rows[0]?.id ?? "")
  const pn3 = yield* channels.upsert({ organizationId: other, phoneNumberId: PN3, transport: "sandbox", appSecret: Redacted.make(SECRET_B) })
  yield* (yield* WebhookSecrets).refresh
  return { org, other, pn2: pn2.id, pn3: pn3.id }
})

/** Waits until the inbox has nothing pending (the consumers finished every delivery). */
export const settled = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql<{ n: number }>`SELECT count(*)::int AS n FROM webhook_inbox WHERE status = 'pending'`.pipe(
    Effect.repeat({ schedule: Schedule.spaced("20 millis"), until: (rows) => rows[0]?.n === 0 }),
    Effect.timeout("15 seconds"),
    Effect.asVoid
  ))

/** The events matching `filter` published while `during` runs (plus a short grace period). */
export const eventsDuring = <A, E, R>(filter: (e: DomainEvent) => boolean, during: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const bus = yield* EventBus
    const seen: Array<DomainEvent> = []
    const fiber = yield* bus.all.pipe(Stream.filter(filter), Stream.runForEach((e) => Effect.sync(() => void seen.push(e))), Effect.forkChild)
    yield* Effect.sleep("50 millis") // the subscription is live
    yield* during
    yield* Effect.sleep("150 millis")
    yield* Fiber.interrupt(fiber)
    return seen
  })

const MessageRow = Schema.Struct({
  wamid: Schema.NullOr(Schema.String),
  type: Schema.String,
  content: Schema.String,
  status: Schema.String,
  messageFrom: Schema.String,
  replyToWamid: Schema.NullOr(Schema.String),
  reaction: Schema.NullOr(Schema.String),
  errorCode: Schema.NullOr(Schema.Number),
  errorTitle: Schema.NullOr(Schema.String),
  errorDetails: Schema.NullOr(Schema.String),
  waId: Schema.NullOr(Schema.String),
  userId: Schema.NullOr(Schema.String),
  leadName: Schema.NullOr(Schema.String),
  phoneNumberId: Schema.String,
  organizationId: Schema.String
})
export type MessageRow = typeof MessageRow.Type

export const messages = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql`SELECT m.wamid, m.type, m.content, m.status, m.message_from, m.reply_to_wamid, m.reaction, m.error_code,
      m.error_title, m.error_details, l.wa_id, l.user_id, l.name AS lead_name, ch.phone_number_id, m.organization_id
    FROM messages m JOIN leads l ON l.id = m.lead_id JOIN conversations c ON c.id = m.conversation_id
    JOIN channels ch ON ch.id = c.channel_id ORDER BY m.created_at, m.wamid`.pipe(
    Effect.flatMap(Schema.decodeUnknownEffect(Schema.Array(MessageRow)))
  ))

export const byWamid = (wamid: string) => Effect.map(messages, (rows) => rows.find((r) => r.wamid === wamid))

/** An outbound (BOT) message with `wamid` in the conversation of the lead `waId` on `phoneNumberId`. */
export const outbound = (waId: string, phoneNumberId: string, wamid: string, status = "sent") =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql`INSERT INTO messages (organization_id, conversation_id, lead_id, message_from, type, content, wamid, status)
      SELECT c.organization_id, c.id, c.lead_id, 'BOT', 'text', 'our reply', ${wamid}, ${status}
      FROM conversations c JOIN leads l ON l.id = c.lead_id JOIN channels ch ON ch.id = c.channel_id
      WHERE l.wa_id = ${waId} AND ch.phone_number_id = ${phoneNumberId}`.pipe(Effect.asVoid))
