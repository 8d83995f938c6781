/**
 * Follow-up due-time error with 100,000 pending rows: how late each follow-up reaches its
 * conversation's actor, for (a) a Celery-beat-style poller (every 1 s, as the seed's scheduler)
 * and (b) our scheduler (sleeps until the earliest due time, claims with SKIP LOCKED), run on
 * the same data in the same run. Prints p50/p99/max and writes bench/results/followups.json.
 *   node bench/followups.ts [rows=100000] [spreadSeconds=30]
 */
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Fiber, Layer, Queue, References } from "effect"
import { SqlClient } from "effect/sql"
import { Conversations } from "../src/conversations/Conversations.ts"
import { pgClientLayer } from "../src/db/Database.ts"
import type { ScheduledActionId } from "../src/domain/ids.ts"
import { EventBus } from "../src/events/EventBus.ts"
import { EngineStore } from "../src/conversations/store.ts"
import { FollowUps } from "../src/followups/FollowUps.ts"
import { runScheduler } from "../src/followups/Scheduler.ts"
import { makeFollowUpStore } from "../src/followups/store.ts"
import { benchDatabase, percentile, writeResult } from "./support.ts"

const rows = Number(process.argv[2] ?? 100_000)
const spreadSeconds = Number(process.argv[3] ?? 30)
const conversationsCount = 1000

const seed = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`INSERT INTO organizations (name, invite_code) VALUES ('Bench', 'bench')`
  yield* sql`INSERT INTO channels (organization_id, phone_number_id, transport)
    SELECT id, 'bench-pn', 'sandbox' FROM organizations`
  yield* sql`INSERT INTO leads (organization_id, wa_id)
    SELECT o.id, (15550000000 + g)::text FROM organizations o, generate_series(1, ${conversationsCount}) g`
  yield* sql`INSERT INTO conversations (organization_id, lead_id, channel_id)
    SELECT l.organization_id, l.id, c.id FROM leads l JOIN channels c ON c.organization_id = l.organization_id`
})

/** Inserts `rows` pending follow-ups due between now+2 s and now+2 s+spread; returns id → due (ms). */
const schedule = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const start = Date.now() + 2000
  const inserted = yield* sql<{ id: ScheduledActionId; scheduledAt: Date }>`
    INSERT INTO scheduled_actions (organization_id, conversation_id, scheduled_at)
    SELECT c.organization_id, c.id, to_timestamp((${start} + (random() * ${spreadSeconds * 1000}))::double precision / 1000)
    FROM generate_series(1, ${rows / conversationsCount}) g, conversations c
    RETURNING id, scheduled_at`
  return new Map(inserted.map((r) => [r.id, r.scheduledAt.getTime()]))
})

const measure = <E, R>(label: string, scheduler: Effect.Effect<void, E, R>) =>
  Effect.gen(function*() {
    const due = yield* schedule
    const lateness: Array<number> = []
    const done = yield* Queue.unbounded<void>()
    const conversations = Conversations.of({
      tell: (_key, mail) =>
        Effect.sync(() => {
          if (mail._tag !== "FollowUpDue") return
          const at = due.get(mail.scheduledActionId)
          if (at === undefined) return
          due.delete(mail.scheduledActionId)
          lateness.push(Date.now() - at)
          if (due.size === 0) Queue.offerUnsafe(done, undefined)
        }),
      tellIfActive: () => Effect.void,
      active: Effect.succeed(0)
    })
    const fiber = yield* scheduler.pipe(Effect.provideService(Conversations, conversations), Effect.forkChild)
    yield* Queue.take(done).pipe(Effect.timeout(`${spreadSeconds + 60} seconds`))
    yield* Fiber.interrupt(fiber)
    const sql = yield* SqlClient.SqlClient
    yield* sql`UPDATE scheduled_actions SET status = 'EXECUTED' WHERE status = 'PENDING'`
    const result = {
      delivered: lateness.length,
      p50Ms: percentile(lateness, 50),
      p99Ms: percentile(lateness, 99),
      maxMs: percentile(lateness, 100)
    }
    console.log(`${label}: ${result.delivered} delivered, lateness p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, max ${result.maxMs} ms`)
    return result
  })

/** The seed's way: wake every second, take what is due. */
const poller = Effect.gen(function*() {
  const store = yield* makeFollowUpStore
  const conversations = yield* Conversations
  while (true) {
    const now = Date.now()
    const claimed = yield* store.claimDue({ now: new Date(now), claimer: "poller", staleBefore: new Date(now - 600_000), limit: 1_000_000 })
    yield* Effect.forEach(claimed, (row) =>
      conversations.tell({ organizationId: row.organizationId, conversationId: row.conversationId }, { _tag: "FollowUpDue", scheduledActionId: row.id }), { discard: true })
    yield* Effect.sleep("1 second")
  }
})

const program = Effect.gen(function*() {
  const url = yield* benchDatabase
  yield* Effect.gen(function*() {
    yield* seed
    console.log(`${rows} follow-ups due over ${spreadSeconds} s, ${conversationsCount} conversations`)
    const baseline = yield* measure("(a) 1 s poller", poller)
    const ours = yield* measure("(b) our scheduler", runScheduler)
    yield* writeResult("followups", { rows, spreadSeconds, baseline, ours })
  }).pipe(Effect.provide(Layer.mergeAll(FollowUps.layer, EngineStore.sql).pipe(Layer.provideMerge(EventBus.layer), Layer.provideMerge(pgClientLayer(url)))))
}).pipe(Effect.scoped, Effect.provideService(References.MinimumLogLevel, "Warn"))

NodeRuntime.runMain(program)
