/**
 * The operator's metrics (exported over OTLP with the traces when an endpoint is set).
 * Attributes are low-cardinality labels only: never phone numbers, ids of leads or text.
 */
import { Metric } from "effect"

const ms = Metric.boundariesFromIterable([5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000])

export const webhookDeliveries = Metric.counter("wa.webhook.deliveries", {
  description: "webhook POSTs by outcome (accepted, bad_signature, too_large, invalid)",
  incremental: true
})
export const inboxDepth = Metric.gauge("wa.inbox.depth", { description: "deliveries waiting in the inbox" })
export const inboxAgeMs = Metric.gauge("wa.inbox.oldest_age_ms", { description: "age of the oldest waiting delivery" })
export const turnLatencyMs = Metric.histogram("wa.turn.latency_ms", {
  description: "burst closed → reply sent",
  boundaries: ms
})
export const engineOverheadMs = Metric.histogram("wa.turn.engine_overhead_ms", {
  description: "turn time outside the LLM (context, database, send)",
  boundaries: Metric.boundariesFromIterable([1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 30, 50, 100, 250, 1000])
})
export const llmLatencyMs = Metric.histogram("gen_ai.client.operation.duration_ms", {
  description: "LLM call latency by step and model",
  boundaries: ms
})
export const llmTokens = Metric.counter("gen_ai.client.token.usage", {
  description: "LLM tokens by step, model and direction (input/output)",
  incremental: true
})
export const decisions = Metric.counter("wa.turn.decisions", { description: "HTL decisions by action", incremental: true })
export const guardrailViolations = Metric.counter("wa.htl.guardrail_violations", {
  description: "generate drafts rejected, by rule",
  incremental: true
})
export const followUps = Metric.counter("wa.followups", {
  description: "follow-ups by change (scheduled, fired, cancelled, skipped)",
  incremental: true
})
export const sendErrors = Metric.counter("wa.send.errors", { description: "Graph API send failures by code", incremental: true })
export const overdueHandoffs = Metric.gauge("wa.handoffs.overdue", {
  description: "conversations handed to a person who has not written for longer than the business allows"
})
export const activeActors = Metric.gauge("wa.engine.active_actors", { description: "conversation actors in memory" })

/** `counter` + 1 with the given labels. */
export const count = (metric: Metric.Metric<number, unknown>, attributes: Record<string, string>) =>
  Metric.update(Metric.withAttributes(metric, attributes), 1)

export const record = (metric: Metric.Metric<number, unknown>, value: number, attributes: Record<string, string> = {}) =>
  Metric.update(Metric.withAttributes(metric, attributes), value)
