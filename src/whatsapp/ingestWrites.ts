/**
 * The write side of intake: the parts of many deliveries stored in one transaction (messages and
 * statuses set-based, src/whatsapp/InboundBatch.ts and InboundStatuses.ts; a number change and
 * reactions one by one).
 * If the batch fails, each delivery is tried alone, so one that cannot be stored fails only itself
 * (its inbox item is retried, then parked) and the others go through.
 */
import { PgClient } from "@effect/sql-pg"
import { Effect, Exit, Option, type Tracer } from "effect"
import type { Lessee } from "../records/leases.ts"
import type { OrganizationId } from "../domain/ids.ts"
import { makeInboundBatch } from "./InboundBatch.ts"
import { makeInboundStatuses } from "./InboundStatuses.ts"
import {
  type InboundMessageInput,
  InboundStore,
  type StatusApplied,
  type StatusInput,
  type StoredInbound,
  type StoreError,
  toStoreError
} from "./InboundStore.ts"

export type Part =
  /** `origin`: the span that prepared the message (its turn links to it) */
  | { readonly _tag: "Message"; readonly origin: Option.Option<Tracer.AnySpan>; readonly input: InboundMessageInput }
  | { readonly _tag: "Status"; readonly at: Date; readonly input: StatusInput }
  | { readonly _tag: "Reaction"; readonly organizationId: OrganizationId; readonly wamid: string; readonly emoji: string | undefined }

/** Per part: the message stored new (none: a redelivery), the status applied (none: unknown or not newer), the reaction's message found. */
export type PartResult =
  | { readonly _tag: "Message"; readonly stored: Option.Option<StoredInbound> }
  | { readonly _tag: "Status"; readonly applied: Option.Option<StatusApplied> }
  | { readonly _tag: "Reaction"; readonly found: boolean }

/** One delivery's parts, and the engine process that takes the turns of its messages. */
export interface Submission {
  readonly parts: ReadonlyArray<Part>
  readonly lessee: Lessee | null
}

type Ref = readonly [submission: number, part: number]

export const makeIngestWrites = Effect.gen(function*() {
  const pg = yield* PgClient.PgClient
  const one = yield* InboundStore
  const batch = yield* makeInboundBatch
  const statusBatch = yield* makeInboundStatuses

  const writeAll = (submissions: ReadonlyArray<Submission>) =>
    pg.withTransaction(Effect.gen(function*() {
      const results: Array<Array<PartResult | undefined>> = submissions.map((s) => s.parts.map(() => undefined))
      const set = ([s, p]: Ref, result: PartResult) => {
        const row = results[s]
        if (row !== undefined) row[p] = result
      }
      const messages = new Map<string, { readonly lessee: Lessee | null; readonly refs: Array<Ref>; readonly inputs: Array<InboundMessageInput> }>()
      const numberChanges: Array<[Ref, InboundMessageInput]> = []
      const statuses: { refs: Array<Ref>; inputs: Array<StatusInput> } = { refs: [], inputs: [] }
      const reactions: Array<[Ref, Extract<Part, { _tag: "Reaction" }>]> = []
      submissions.forEach((submission, s) =>
        submission.parts.forEach((part, p) => {
          const ref: Ref = [s, p]
          if (part._tag === "Status") {
            statuses.refs.push(ref)
            statuses.inputs.push(part.input)
          } else if (part._tag === "Reaction") {
            reactions.push([ref, part])
          } else if (part.input.newWaId !== undefined) {
            numberChanges.push([ref, { ...part.input, lessee: submission.lessee }])
          } else {
            const key = submission.lessee === null ? "" : submission.lessee.owner
            const group = messages.get(key) ?? { lessee: submission.lessee, refs: [], inputs: [] }
            group.refs.push(ref)
            group.inputs.push(part.input)
            messages.set(key, group)
          }
        })
      )
      for (const group of messages.values()) {
        const stored = yield* batch.storeMessages(group.inputs, group.lessee)
        group.refs.forEach((ref, ord) => set(ref, { _tag: "Message", stored: Option.fromNullishOr(stored.get(ord)) }))
      }
      // a number change moves the lead's identity: one at a time, after the batch's messages
      for (const [ref, input] of numberChanges) set(ref, { _tag: "Message", stored: yield* one.storeMessage(input) })
      const applied = yield* statusBatch.applyStatuses(statuses.inputs)
      statuses.refs.forEach((ref, k) => set(ref, { _tag: "Status", applied: Option.fromNullishOr(applied.get(k)) }))
      for (const [ref, r] of reactions) set(ref, { _tag: "Reaction", found: yield* one.setReaction(r.organizationId, r.wamid, r.emoji) })
      return results.map((row) => row.flatMap((r) => r === undefined ? [] : [r]))
    })).pipe(Effect.mapError(toStoreError))

  const alone = (submission: Submission) =>
    writeAll([submission]).pipe(Effect.map((rows) => rows[0] ?? []), Effect.exit)

  return {
    write: (submissions: ReadonlyArray<Submission>): Effect.Effect<ReadonlyArray<Exit.Exit<ReadonlyArray<PartResult>, StoreError>>> =>
      writeAll(submissions).pipe(
        Effect.map((rows) => rows.map((row) => Exit.succeed(row))),
        Effect.catch((error) =>
          submissions.length === 1
            ? Effect.succeed([Exit.fail(error)])
            : Effect.logWarning("a batch of webhook deliveries failed; storing them one by one", error).pipe(
              Effect.andThen(Effect.forEach(submissions, alone))
            )
        )
      )
  }
})
