/**
 * Writes the HTL's step records: one `conversation_events` row per step (event_type
 * `htl_step`), tenant-scoped, with tokens, latency, model, outcome and the details as jsonb.
 */
import { Array as Arr, Context, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { StoreError } from "./StoreError.ts"
import type { ConversationId, OrganizationId } from "../domain/ids.ts"
import type { StepRecord } from "../htl/types.ts"
import { jsonDocument } from "../db/jsonDocument.ts"

export const HTL_STEP_EVENT = "htl_step"

export interface AuditTarget {
  readonly organizationId: OrganizationId
  readonly conversationId: ConversationId
}

export class HtlAudit extends Context.Service<HtlAudit, {
  readonly record: (target: AuditTarget, steps: ReadonlyArray<StepRecord>) => Effect.Effect<void, StoreError>
}>()("wa/HtlAudit") {
  static readonly layer = Layer.effect(
    HtlAudit,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const record = Effect.fn("HtlAudit.record")(function*(target: AuditTarget, steps: ReadonlyArray<StepRecord>) {
        if (!Arr.isReadonlyArrayNonEmpty(steps)) return
        yield* sql`INSERT INTO conversation_events ${sql.insert(Arr.map(steps, (s) => ({
          organizationId: target.organizationId,
          conversationId: target.conversationId,
          eventType: HTL_STEP_EVENT,
          pipelineStep: s.step,
          inputSummary: s.inputSummary,
          outputSummary: s.outputSummary,
          latencyMs: Math.round(s.latencyMs),
          tokensIn: s.tokensIn,
          tokensOut: s.tokensOut,
          model: s.model,
          outcome: s.outcome,
          details: jsonDocument(s.details)
        })))}`
      }, Effect.mapError(StoreError.from))
      return HtlAudit.of({ record })
    })
  )
}
