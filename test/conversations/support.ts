/**
 * The whole path for engine tests: the real app (webhook → inbox → consumer → actor → HTL →
 * WhatsApp) with a fake LLM and a fake Graph API on 127.0.0.1, short debounce, real Postgres.
 */
import { PgClient } from "@effect/sql-pg"
import { Context, DateTime, type Duration, Effect, Layer, Schedule } from "effect"
import { SqlClient } from "effect/sql"
import { ModeChanged } from "../../src/domain/events.ts"
import type { ConversationId, OrganizationId } from "../../src/domain/ids.ts"
import { EventBus } from "../../src/events/EventBus.ts"
import { FOLLOWUP_CHANNEL } from "../../src/records/followUpStore.ts"
import { LoggingLive } from "../../src/observability/Logging.ts"
import { appWithServicesTest } from "../support/appServices.ts"
import { TestDatabase } from "../support/TestDatabase.ts"
import { FakeGraphServer } from "../support/fakeGraph.ts"
import { type FakeLlm, startFakeLlm } from "../support/fakeLlm.ts"
import { ensureDefaultOrganization } from "../../src/whatsapp/QuickSetup.ts"
import { goodDefaults, products } from "../support/htlFixtures.ts"
import { change, deliver, entry, envelope, text } from "../support/webhooks.ts"

export const PN = "109000000000777"
export const SECRET = "engine-app-secret"

export class FakeLlmServer extends Context.Service<FakeLlmServer, FakeLlm>()("test/FakeLlmServer") {
  static readonly layer = Layer.effect(FakeLlmServer, startFakeLlm(goodDefaults))
}

export const engineApp = (env: Record<string, string> = {}, database: Layer.Layer<TestDatabase, unknown> = TestDatabase.layer) =>
  Layer.unwrap(Effect.gen(function*() {
    const llm = yield* FakeLlmServer
    const graph = yield* FakeGraphServer
    return appWithServicesTest({
      LLM_API_KEY: "sk-fake",
      LLM_BASE_URL: llm.url,
      LLM_TIMEOUT: "2 s",
      WHATSAPP_API_BASE_URL: graph.url,
      WHATSAPP_PHONE_NUMBER_ID: PN,
      WHATSAPP_ACCESS_TOKEN: "graph-token",
      WHATSAPP_APP_SECRET: SECRET,
      DEBOUNCE_QUIET: "300 ms",
      DEBOUNCE_MAX_WAIT: "3 s",
      HTL_SPECULATIVE: "off",
      ...env
    }, LoggingLive, database)
  })).pipe(
    Layer.tap((context) => Effect.provideContext(seedCatalog, context)),
    Layer.provideMerge(FakeLlmServer.layer),
    Layer.provideMerge(FakeGraphServer.layer)
  )

/** The default organization sells what the fake LLM's good reply quotes (Premium plan, 49 USD). */
export const seedCatalog = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const organizationId = yield* ensureDefaultOrganization()
  yield* sql`INSERT INTO business_profiles (organization_id, business_name, timezone) VALUES (${organizationId}, 'Acme CRM', 'UTC')
    ON CONFLICT (organization_id) DO NOTHING`
  for (const p of products) {
    yield* sql`INSERT INTO business_products (organization_id, name, description, price, currency)
      VALUES (${organizationId}, ${p.name}, ${p.description}, ${p.price}, ${p.currency})`
  }
})

/** A lead writes: one signed webhook per message. */
export const say = (waId: string, ...bodies: ReadonlyArray<string>) =>
  Effect.forEach(bodies, (body) =>
    deliver(SECRET, envelope(entry("waba", change({ phoneNumberId: PN, contacts: [{ waId, name: `Lead ${waId}` }], messages: [text(waId, body)] })))).pipe(
      Effect.tap((r) => r.status === 200 ? Effect.void : Effect.die(`webhook answered ${r.status}: ${r.text}`))
    ), { discard: true })

/** Text messages the fake Graph API received for `waId`. */
export const sentTo = (waId: string) =>
  Effect.map(FakeGraphServer, (graph) =>
    graph.requests.flatMap((r) => {
      const body = r.body
      if (typeof body !== "object" || body === null || !("to" in body) || body.to !== waId || !("type" in body)) return []
      return [{ type: String(body.type), json: JSON.stringify(body) }]
    }))

export const poll = <A, E, R>(effect: Effect.Effect<A, E, R>, until: (a: A) => boolean, timeout: Duration.Input = "10 seconds") =>
  effect.pipe(Effect.repeat({ schedule: Schedule.spaced("50 millis"), until }), Effect.timeout(timeout))

/** Lets time pass on the real clock (debounce windows, "nothing else happens" checks). */
export const pause = (ms: number) => Effect.promise(() => new Promise((r) => setTimeout(r, ms)))

export interface ConversationRef {
  readonly organizationId: OrganizationId
  readonly conversationId: ConversationId
}

export const conversationOf = (waId: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<ConversationRef>`SELECT c.organization_id, c.id AS conversation_id FROM conversations c
      JOIN leads l ON l.id = c.lead_id WHERE l.wa_id = ${waId}`).pipe(
    Effect.map((rows) => rows[0]),
    Effect.repeat({ schedule: Schedule.spaced("50 millis"), until: (row) => row !== undefined }),
    Effect.timeout("10 seconds"),
    Effect.flatMap((row) => row === undefined ? Effect.die(`no conversation for ${waId}`) : Effect.succeed(row))
  )

export const rowsOf = <A extends object>(query: (sql: SqlClient.SqlClient) => Effect.Effect<ReadonlyArray<A>, unknown>) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => Effect.orDie(query(sql)))

/** What the dashboard's takeover does: mode → human, then the event the engine listens to. */
export const takeover = (ref: ConversationRef) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql`UPDATE conversations SET mode = 'human', mode_changed_at = now() WHERE id = ${ref.conversationId}`
    const bus = yield* EventBus
    yield* bus.publish(new ModeChanged({ ...ref, at: yield* DateTime.now, mode: "human", kind: "takeover", reason: "test", byUserId: null }))
  })

/** Makes a conversation's pending follow-ups due now and wakes the scheduler. */
export const dueNow = (ref: ConversationRef) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql`UPDATE scheduled_actions SET scheduled_at = now() - interval '1 second'
      WHERE conversation_id = ${ref.conversationId} AND status = 'PENDING'`
    yield* (yield* PgClient.PgClient).notify(FOLLOWUP_CHANNEL, "")
  })
