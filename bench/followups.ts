/**
 * Follow-up due-time lateness: `rows` pending follow-ups due over `spreadSeconds`, and how late
 * each one reaches its conversation's actor. The scheduler runs in this process on the real
 * database; the actors are a fake whose `tell` records the time (lateness = tell − due time).
 * Four schedulers on the same kind of data (a fresh batch each, the same due-time sequence), in turn:
 *   (a) ideal: timers only, every due time known in memory, no database — this process's floor
 *   (b) the previous scheduler (claims a row once it is due, then sleeps to the next due time)
 *   (c) a 1 s poller (the seed's Celery beat)
 *   (d) ours (src/followups/Scheduler.ts: claims ahead, delivers at the due time)
 * The rows are written before the first is due (`leadMs`, checked). Exact quantiles (sorted
 * samples); writes bench/results/followups.json (--smoke: followups-smoke.json, small and fast).
 *   node bench/followups.ts [--smoke] [rows=100000] [spreadSeconds=30]
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Clock, Duration, Effect, Fiber, Layer, Queue, References } from "effect"
import { SqlClient } from "effect/sql"
import { Conversations } from "../src/conversations/Conversations.ts"
import { EngineStore } from "../src/records/EngineStore.ts"
import { pgClientLayer } from "../src/db/Database.ts"
import { EventBus } from "../src/events/EventBus.ts"
import { FollowUps } from "../src/followups/FollowUps.ts"
import { runScheduler } from "../src/conversations/FollowUpScheduler.ts"
import type { Claimed } from "../src/records/followUpStore.ts"
import { makeFollowUpStore } from "../src/records/followUpStore.ts"
import { benchDatabase, percentile, writeResult } from "./support.ts"

const smoke = process.argv.includes("--smoke")
const [rowsArg, spreadArg] = process.argv.slice(2).filter((a) => !a.startsWith("--"))
const rows = Number(rowsArg ?? (smoke ? 2_000 : 100_000))
const spreadSeconds = Number(spreadArg ?? (smoke ? 3 : 30))
const conversationsCount = Math.min(1000, rows)
const perConversation = Math.ceil(rows / conversationsCount)
const total = perConversation * conversationsCount
/** Rows are written before the first one is due: the write of 100,000 takes seconds. */
const leadMs = Math.round(2_000 + total * 0.08)
const CLAIM_TTL_MS = 600_000
const PLACEMENT = "the scheduler runs in the bench process on the real database; the actors are a fake (lateness = due time → tell)"

/** Wall clock with sub-millisecond resolution. */
const nowMs = () => performance.timeOrigin + performance.now()

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

interface Batch {
  readonly rows: ReadonlyArray<Claimed>
  readonly writeMs: number
  /** from the write's commit to the first due time (must be positive) */
  readonly marginMs: number
}

/**
 * Writes a batch: `total` pending follow-ups due from `start` over the spread, row n at
 * frac(n·φ) of it (a low-discrepancy sequence: uniform, the same in every phase).
 */
const schedule = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const began = Date.now()
  const start = began + leadMs
  const rows = yield* sql<Claimed>`
    INSERT INTO scheduled_actions (organization_id, conversation_id, scheduled_at)
    SELECT organization_id, id,
      to_timestamp((${start} + floor(((n * 0.6180339887498949::float8) - floor(n * 0.6180339887498949::float8)) * ${spreadSeconds * 1000}))::float8 / 1000)
    FROM (SELECT c.organization_id, c.id, row_number() OVER () AS n
          FROM generate_series(1, ${perConversation}) g, conversations c) numbered
    RETURNING id, organization_id, conversation_id, scheduled_at`
  const written = Date.now()
  return { rows, writeMs: written - began, marginMs: start - written } satisfies Batch
})

interface Counters {
  claims: number
  claimed: number
  wakeQueries: number
}

const quantiles = (lateness: ReadonlyArray<number>) => {
  const sorted = [...lateness].sort((a, b) => a - b)
  const at = (p: number) => Math.round(percentile(sorted, p) * 10) / 10
  return { p50Ms: at(50), p90Ms: at(90), p99Ms: at(99), p999Ms: at(99.9), maxMs: at(100) }
}

type Scheduler = (counters: Counters, batch: Batch) => Effect.Effect<void, unknown, Conversations | EngineStore | FollowUps | SqlClient.SqlClient>

const measure = (label: string, scheduler: Scheduler) =>
  Effect.gen(function*() {
    const batch = yield* schedule
    const { marginMs, writeMs } = batch
    const due = new Map(batch.rows.map((r) => [r.id, r.scheduledAt.getTime()]))
    const expected = due.size
    const lateness: Array<number> = []
    let duplicates = 0
    const done = yield* Queue.unbounded<void>()
    const counters: Counters = { claims: 0, claimed: 0, wakeQueries: 0 }
    const conversations = Conversations.of({
      tell: (_key, mail) =>
        Effect.sync(() => {
          if (mail._tag !== "FollowUpDue") return
          const at = due.get(mail.scheduledActionId)
          if (at === undefined) return void duplicates++
          due.delete(mail.scheduledActionId)
          lateness.push(nowMs() - at)
          if (due.size === 0) Queue.offerUnsafe(done, undefined)
        }),
      tellIfActive: () => Effect.void,
      active: Effect.succeed(0),
      busy: Effect.succeed(0)
    })
    const fiber = yield* scheduler(counters, batch).pipe(Effect.provideService(Conversations, conversations), Effect.forkChild)
    yield* Queue.take(done).pipe(Effect.timeoutOption(Duration.millis(leadMs + spreadSeconds * 1000 + 60_000)))
    yield* Fiber.interrupt(fiber)
    const sql = yield* SqlClient.SqlClient
    yield* sql`UPDATE scheduled_actions SET status = 'EXECUTED' WHERE status = 'PENDING'`
    yield* sql`VACUUM ANALYZE scheduled_actions`
    const result = { delivered: lateness.length, expected, duplicates, writeMs, marginMs, ...quantiles(lateness), ...counters }
    const queries = counters.claims > 0
      ? `; ${counters.claims} claims (${Math.round(counters.claimed / counters.claims)} rows each), ${counters.wakeQueries} next-wake queries`
      : ""
    console.log(
      `${label}: ${result.delivered}/${expected} delivered${duplicates > 0 ? `, ${duplicates} TWICE` : ""}, lateness p50 ${result.p50Ms} ms, ` +
        `p90 ${result.p90Ms}, p99 ${result.p99Ms}, p99.9 ${result.p999Ms}, max ${result.maxMs} ms${queries}` +
        (marginMs < 0 ? ` — INVALID: written ${-marginMs} ms after the first due time` : "")
    )
    return result
  })

const tell = (row: Claimed) =>
  Effect.flatMap(Conversations, (conversations) =>
    conversations.tell({ organizationId: row.organizationId, conversationId: row.conversationId }, { _tag: "FollowUpDue", scheduledActionId: row.id }))

/** (a) Timers only: every due time known in memory; sleeps to the next one, tells what is due. */
const ideal: Scheduler = (_, batch) =>
  Effect.gen(function*() {
    const order = [...batch.rows].sort((a, b) => a.scheduledAt.getTime() - b.scheduledAt.getTime())
    let i = 0
    while (i < order.length) {
      const now = yield* Clock.currentTimeMillis
      const from = i
      while (i < order.length && (order[i]?.scheduledAt.getTime() ?? Infinity) <= now) i++
      yield* Effect.forEach(order.slice(from, i), tell, { discard: true })
      const next = order[i]?.scheduledAt.getTime()
      if (next !== undefined) yield* Effect.sleep(Duration.millis(Math.max(0, next - (yield* Clock.currentTimeMillis))))
    }
  })

/** (b) The scheduler before this change, query for query: claims rows once due, sleeps to the next due time (≥ 10 ms). */
const previous: Scheduler = (counters) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    while (true) {
      const now = new Date(yield* Clock.currentTimeMillis)
      const claimed = yield* sql<Claimed>`
        UPDATE scheduled_actions SET claimed_at = ${now}, claimed_by = 'previous'
        WHERE id IN (
          SELECT id FROM scheduled_actions
          WHERE status = 'PENDING' AND claimed_at IS NULL AND scheduled_at <= ${now}
          ORDER BY scheduled_at LIMIT 1000
          FOR UPDATE SKIP LOCKED)
        RETURNING id, organization_id, conversation_id, scheduled_at`
      const stale = claimed.length < 1000
        ? yield* sql<Claimed>`
          UPDATE scheduled_actions SET claimed_at = ${now}, claimed_by = 'previous'
          WHERE id IN (
            SELECT id FROM scheduled_actions
            WHERE status = 'PENDING' AND claimed_at IS NOT NULL AND claimed_at < ${new Date(now.getTime() - CLAIM_TTL_MS)}
            ORDER BY claimed_at LIMIT ${1000 - claimed.length}
            FOR UPDATE SKIP LOCKED)
          RETURNING id, organization_id, conversation_id, scheduled_at`
        : []
      counters.claims++
      counters.claimed += claimed.length + stale.length
      yield* Effect.forEach([...claimed, ...stale], tell, { discard: true })
      if (claimed.length === 1000) continue
      counters.wakeQueries++
      const [next] = yield* sql<{ next: Date | null }>`
        SELECT least(
          (SELECT min(scheduled_at) FROM scheduled_actions WHERE status = 'PENDING' AND claimed_at IS NULL),
          (SELECT min(claimed_at) FROM scheduled_actions WHERE status = 'PENDING' AND claimed_at IS NOT NULL)
            + make_interval(secs => ${CLAIM_TTL_MS / 1000})) AS next`
      const wait = next?.next == null ? 300_000 : Math.max(10, next.next.getTime() - (yield* Clock.currentTimeMillis))
      yield* Effect.sleep(Duration.millis(Math.min(300_000, wait)))
    }
  })

/** (c) The seed's way: wake every second, take what is due. */
const poller: Scheduler = (counters) =>
  Effect.gen(function*() {
    const store = yield* makeFollowUpStore
    while (true) {
      const now = Date.now()
      const claimed = yield* store.claimDue({ now: new Date(now), claimer: "poller", staleBefore: new Date(now - CLAIM_TTL_MS), limit: 1_000_000 })
      counters.claims++
      counters.claimed += claimed.length
      yield* Effect.forEach(claimed, tell, { discard: true })
      yield* Effect.sleep("1 second")
    }
  })

/** (d) Ours, its store's claims and wake-up queries counted. */
const ours: Scheduler = (counters) =>
  Effect.gen(function*() {
    const store = yield* EngineStore
    const counting = EngineStore.of({
      ...store,
      claimDueFollowUps: (request) =>
        store.claimDueFollowUps(request).pipe(Effect.tap((claimed) =>
          Effect.sync(() => {
            counters.claims++
            counters.claimed += claimed.length
          })
        )),
      nextFollowUpWake: (ttl) => store.nextFollowUpWake(ttl).pipe(Effect.tap(() => Effect.sync(() => void counters.wakeQueries++)))
    })
    yield* runScheduler.pipe(Effect.provideService(EngineStore, counting))
  })

const program = Effect.gen(function*() {
  const url = yield* benchDatabase
  const result = yield* Effect.gen(function*() {
    yield* seed
    console.log(`${total} follow-ups due over ${spreadSeconds} s, ${conversationsCount} conversations, written ${leadMs} ms ahead; ${PLACEMENT}`)
    const phases = {
      ideal: yield* measure("(a) ideal: timers only, no database", ideal),
      previous: yield* measure("(b) previous scheduler (claims once due)", previous),
      poller: yield* measure("(c) 1 s poller (the seed's)", poller),
      ours: yield* measure("(d) ours (claims ahead, delivers at the due time)", ours)
    }
    const ratio = (a: number, b: number) => Math.round((a / Math.max(b, 0.1)) * 10) / 10
    const ratios = {
      oursP99VsIdealP99: ratio(phases.ours.p99Ms, phases.ideal.p99Ms),
      previousP99VsOursP99: ratio(phases.previous.p99Ms, phases.ours.p99Ms),
      pollerP99VsOursP99: ratio(phases.poller.p99Ms, phases.ours.p99Ms)
    }
    console.log(
      `p99: ours ${phases.ours.p99Ms} ms = ${ratios.oursP99VsIdealP99}× the ideal's ${phases.ideal.p99Ms} ms; ` +
        `previous ${ratios.previousP99VsOursP99}×, poller ${ratios.pollerP99VsOursP99}× ours`
    )
    return { rows: total, spreadSeconds, conversations: conversationsCount, leadMs, smoke, placement: PLACEMENT, phases, ratios }
  }).pipe(
    Effect.provide(Layer.mergeAll(FollowUps.layer, EngineStore.sql).pipe(Layer.provideMerge(EventBus.layer), Layer.provideMerge(pgClientLayer(url))))
  )
  yield* writeResult(smoke ? "followups-smoke" : "followups", result)
  const valid = Object.values(result.phases).every((p) => p.delivered === p.expected && p.duplicates === 0 && p.marginMs > 0)
  if (!valid) return yield* Effect.fail(new Error("a phase did not deliver every follow-up exactly once, or wrote its rows too late"))
}).pipe(Effect.scoped, Effect.provideService(References.MinimumLogLevel, "Warn"))

NodeRuntime.runMain(program)
