/**
 * Analytics of one organization over [from, to) (default: the last 30 days) and today's counts.
 * "Conversations in the period": created before `to` with their last activity at or after `from`.
 * Handoffs are the `conversation_events` rows of type 'handoff' (written by ModeAudit), lead turns
 * those of type 'turn' (TurnAudit).
 */
import { Clock, Context, Effect, Layer, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { type Analytics as AnalyticsReport, type AnalyticsQuery, type DashboardStats, MAX_ANALYTICS_DAYS } from "../../domain/dashboard/analytics.ts"
import type { Caller } from "../../domain/dashboard/auth.ts"
import { ValidationError } from "../../domain/dashboard/errors.ts"
import { Action, IntentLevels, Stages } from "../../domain/enums.ts"
import { decodeRows } from "../../db/rows.ts"
import { TURN_EVENT } from "../inbox/TurnAudit.ts"
import { estimateCost, roundUsd } from "./pricing.ts"

const DAY_MS = 24 * 60 * 60 * 1000
const Count = Schema.Struct({ key: Schema.String, count: Schema.Int })
const Totals = Schema.Struct({ a: Schema.Int, b: Schema.Int, c: Schema.Int, d: Schema.Int })
const Median = Schema.Struct({ seconds: Schema.NullOr(Schema.Number) })
const PerDay = Schema.Struct({ day: Schema.String, inbound: Schema.Int, outbound: Schema.Int })
const Usage = Schema.Struct({ day: Schema.String, model: Schema.NullOr(Schema.String), tokensIn: Schema.Int, tokensOut: Schema.Int })
const Stats = Schema.Struct({
  since: Schema.Date,
  conversationsToday: Schema.Int,
  activeConversations: Schema.Int,
  humanMode: Schema.Int,
  messagesIn: Schema.Int,
  messagesOut: Schema.Int,
  pendingFollowups: Schema.Int
})

export class Analytics extends Context.Service<Analytics, {
  readonly report: (caller: Caller, query: AnalyticsQuery) => Effect.Effect<AnalyticsReport, ValidationError>
  readonly stats: (caller: Caller) => Effect.Effect<DashboardStats>
}>()("wa/dashboard/Analytics") {
  static readonly layer = Layer.effect(
    Analytics,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient

      const report = Effect.fn("Analytics.report")(function*(caller: Caller, query: AnalyticsQuery) {
        const now = yield* Clock.currentTimeMillis
        const to = query.to === undefined ? new Date(now) : new Date(query.to)
        const from = query.from === undefined ? new Date(to.getTime() - 30 * DAY_MS) : new Date(query.from)
        if (from.getTime() >= to.getTime()) return yield* new ValidationError({ message: "from: must be before to" })
        const days = (to.getTime() - from.getTime()) / DAY_MS
        if (days > MAX_ANALYTICS_DAYS) {
          // only an explicit `from` can make it too long (the default is 30 days before `to`)
          const message = query.to === undefined
            ? `from: must be at most ${MAX_ANALYTICS_DAYS} days before to (now, when to is omitted); the period is ${Math.ceil(days)} days`
            : `to: must be at most ${MAX_ANALYTICS_DAYS} days after from; the period is ${Math.ceil(days)} days`
          return yield* new ValidationError({ message })
        }
        return yield* compute(caller, from, to)
      })

      const compute = Effect.fn("Analytics.compute")(function*(caller: Caller, from: Date, to: Date) {
        const org = caller.organizationId
        const inPeriod = sql`c.organization_id = ${org} AND c.created_at < ${to}
          AND coalesce(c.last_message_at, c.created_at) >= ${from}`

        const counts = (column: "stage" | "intent_level") =>
          sql`SELECT ${sql(column)} AS key, count(*)::int AS count FROM conversations c WHERE ${inPeriod} GROUP BY 1`.pipe(
            decodeRows(Count),
            Effect.map((rows) => new Map(rows.map((r) => [r.key, r.count])))
          )
        const stages = yield* counts("stage")
        const intents = yield* counts("intent_level")
        const conversations = [...stages.values()].reduce((a, b) => a + b, 0)

        const [handoffs] = yield* sql`
          SELECT count(DISTINCT e.conversation_id)::int AS a, 0 AS b, 0 AS c, 0 AS d FROM conversation_events e
          WHERE e.organization_id = ${org} AND e.event_type = 'handoff' AND e.created_at >= ${from} AND e.created_at < ${to}`
          .pipe(decodeRows(Totals))
        const reasons = yield* sql`
          SELECT coalesce(nullif(btrim(split_part(e.details->>'reason', ':', 1)), ''), 'unspecified') AS key, count(*)::int AS count
          FROM conversation_events e
          WHERE e.organization_id = ${org} AND e.event_type = 'handoff' AND e.created_at >= ${from} AND e.created_at < ${to}
          GROUP BY 1 ORDER BY 2 DESC, 1`.pipe(decodeRows(Count))

        const [followups] = yield* sql`
          SELECT count(*) FILTER (WHERE s.created_at >= ${from} AND s.created_at < ${to})::int AS a,
                 count(*) FILTER (WHERE s.status = 'EXECUTED' AND coalesce(s.outcome, 'sent') LIKE 'sent%'
                                  AND s.executed_at >= ${from} AND s.executed_at < ${to})::int AS b,
                 count(*) FILTER (WHERE s.status = 'CANCELLED' AND s.cancelled_at >= ${from} AND s.cancelled_at < ${to})::int AS c,
                 count(*) FILTER (WHERE s.status = 'EXECUTED' AND coalesce(s.outcome, 'sent') LIKE 'sent%'
                                  AND s.executed_at >= ${from} AND s.executed_at < ${to}
                                  AND EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = s.conversation_id
                                    AND m.organization_id = s.organization_id AND m.message_from = 'LEAD'
                                    AND m.created_at > s.executed_at AND m.created_at <= s.executed_at + interval '24 hours'))::int AS d
          FROM scheduled_actions s WHERE s.organization_id = ${org}`.pipe(decodeRows(Totals))

        const [median] = yield* sql`
          WITH firsts AS (
            SELECT m.conversation_id, min(m.created_at) AS first_in FROM messages m
            WHERE m.organization_id = ${org} AND m.message_from = 'LEAD'
            GROUP BY 1 HAVING min(m.created_at) >= ${from} AND min(m.created_at) < ${to}
          ), replies AS (
            SELECT f.conversation_id, extract(epoch FROM (
              SELECT min(r.created_at) FROM messages r WHERE r.conversation_id = f.conversation_id
                AND r.organization_id = ${org} AND r.message_from IN ('BOT', 'HUMAN') AND r.created_at >= f.first_in
            ) - f.first_in)::float8 AS seconds FROM firsts f
          )
          SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds)::float8 AS seconds FROM replies WHERE seconds IS NOT NULL`
          .pipe(decodeRows(Median))

        const perDay = yield* sql`
          SELECT to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
                 count(*) FILTER (WHERE m.message_from = 'LEAD')::int AS inbound,
                 count(*) FILTER (WHERE m.message_from <> 'LEAD')::int AS outbound
          FROM messages m
          WHERE m.organization_id = ${org} AND m.created_at >= ${from} AND m.created_at < ${to}
          GROUP BY 1 ORDER BY 1`.pipe(decodeRows(PerDay))
        const turns = yield* sql`
          SELECT e.outcome AS key, count(*)::int AS count FROM conversation_events e
          WHERE e.organization_id = ${org} AND e.event_type = ${TURN_EVENT} AND e.created_at >= ${from} AND e.created_at < ${to}
          GROUP BY 1`.pipe(decodeRows(Count), Effect.map((rows) => new Map(rows.map((r) => [r.key, r.count]))))

        const usage = yield* sql`
          SELECT to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, e.model,
                 coalesce(sum(e.tokens_in), 0)::int AS tokens_in, coalesce(sum(e.tokens_out), 0)::int AS tokens_out
          FROM conversation_events e
          WHERE e.organization_id = ${org} AND e.created_at >= ${from} AND e.created_at < ${to}
            AND (e.tokens_in IS NOT NULL OR e.tokens_out IS NOT NULL)
          GROUP BY 1, 2 ORDER BY 1`.pipe(decodeRows(Usage))
        const byDay = new Map<string, { tokens_in: number; tokens_out: number; cost: number }>()
        for (const u of usage) {
          const day = byDay.get(u.day) ?? { tokens_in: 0, tokens_out: 0, cost: 0 }
          byDay.set(u.day, {
            tokens_in: day.tokens_in + u.tokensIn,
            tokens_out: day.tokens_out + u.tokensOut,
            cost: day.cost + estimateCost(u.model, u.tokensIn, u.tokensOut)
          })
        }

        const handedOff = handoffs?.a ?? 0
        return {
          from: from.toISOString(),
          to: to.toISOString(),
          funnel: Stages.map((stage) => ({ stage, count: stages.get(stage) ?? 0 })),
          intents: IntentLevels.map((intent_level) => ({ intent_level, count: intents.get(intent_level) ?? 0 })),
          handoff: {
            conversations,
            handed_off: handedOff,
            rate: conversations === 0 ? 0 : Math.round((handedOff / conversations) * 10_000) / 10_000,
            reasons: reasons.map((r) => ({ reason: r.key, count: r.count }))
          },
          followups: { scheduled: followups?.a ?? 0, sent: followups?.b ?? 0, cancelled: followups?.c ?? 0, answered: followups?.d ?? 0 },
          median_first_response_seconds: median?.seconds ?? null,
          messages_per_day: perDay,
          turns_by_action: Action.literals.map((action) => ({ action, count: turns.get(action) ?? 0 })),
          llm_usage: [...byDay].map(([day, u]) => ({
            day,
            tokens_in: u.tokens_in,
            tokens_out: u.tokens_out,
            estimated_cost_usd: roundUsd(u.cost)
          }))
        }
      }, Effect.orDie)

      const stats = Effect.fn("Analytics.stats")(function*(caller: Caller) {
        const org = caller.organizationId
        const [row] = yield* sql`
          WITH tz AS (SELECT coalesce((SELECT timezone FROM business_profiles WHERE organization_id = ${org}), 'UTC') AS name),
               day AS (SELECT date_trunc('day', now() AT TIME ZONE tz.name) AT TIME ZONE tz.name AS since FROM tz)
          SELECT day.since,
            (SELECT count(*) FROM conversations c WHERE c.organization_id = ${org} AND c.created_at >= day.since)::int AS conversations_today,
            (SELECT count(*) FROM conversations c WHERE c.organization_id = ${org}
               AND coalesce(c.last_message_at, c.created_at) >= day.since)::int AS active_conversations,
            (SELECT count(*) FROM conversations c WHERE c.organization_id = ${org} AND c.mode = 'human')::int AS human_mode,
            (SELECT count(*) FROM messages m WHERE m.organization_id = ${org} AND m.created_at >= day.since
               AND m.message_from = 'LEAD')::int AS messages_in,
            (SELECT count(*) FROM messages m WHERE m.organization_id = ${org} AND m.created_at >= day.since
               AND m.message_from IN ('BOT', 'HUMAN'))::int AS messages_out,
            (SELECT count(*) FROM scheduled_actions s WHERE s.organization_id = ${org} AND s.status = 'PENDING')::int AS pending_followups
          FROM day`.pipe(decodeRows(Stats))
        if (row === undefined) return yield* Effect.die("stats query returned nothing")
        return {
          since: row.since.toISOString(),
          conversations_today: row.conversationsToday,
          active_conversations: row.activeConversations,
          human_mode: row.humanMode,
          messages_in: row.messagesIn,
          messages_out: row.messagesOut,
          pending_followups: row.pendingFollowups
        }
      }, Effect.orDie)

      return Analytics.of({ report, stats })
    })
  )
}
