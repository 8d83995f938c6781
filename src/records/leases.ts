/**
 * Conversation leases: which engine process may run a conversation's turns. A process takes the
 * lease when work for the conversation arrives, renews it while the work lasts and lets it go
 * when idle; a process that finds the lease held by a live owner pokes it instead, and the owner
 * looks at the conversation again before it lets go. An expired lease (its owner died) is taken
 * over by another process, which resumes the conversation. See README "Who runs a conversation's turn".
 */
import { Effect, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import { ConversationId, type ConversationKey, OrganizationId } from "../domain/ids.ts"
import type { StoreError } from "./StoreError.ts"
import { decodeRows } from "../db/rows.ts"

/** Who holds a lease, and for how long each acquisition or renewal lasts. */
export const Lessee = Schema.Struct({ owner: Schema.String, ttlMs: Schema.Int })
export type Lessee = typeof Lessee.Type

export const Acquired = Schema.Literals(["acquired", "held"])
/** `acquired`: ours now (or still); `held`: a live owner has it and was poked. */
export type Acquired = typeof Acquired.Type

export const Renewed = Schema.Struct({ held: Schema.Boolean, poked: Schema.Boolean })
/** `held: false`: the lease was lost (expired and taken over); `poked`: look at the conversation again. */
export type Renewed = typeof Renewed.Type

export const Released = Schema.Literals(["released", "poked", "lost"])
/** `poked`: not released — a lead message arrived elsewhere meanwhile; the lease is still ours. */
export type Released = typeof Released.Type

export const LeaseKey = Schema.Struct({ organizationId: OrganizationId, conversationId: ConversationId })

const pokedRows = decodeRows(Schema.Struct({ poked: Schema.Boolean }))
const releasedRows = decodeRows(Schema.Struct({ released: Schema.Int, poked: Schema.Int }))
const leaseKeys = decodeRows(LeaseKey)

/** The lease operations an actor uses, for one owner (an engine process). */
export interface Leases {
  readonly lessee: Lessee
  readonly acquire: (key: ConversationKey) => Effect.Effect<Acquired, StoreError>
  readonly renew: (key: ConversationKey) => Effect.Effect<Renewed, StoreError>
  readonly release: (key: ConversationKey) => Effect.Effect<Released, StoreError>
}

/** A single engine with nobody to share with (actor tests). */
export const soleOwner: Leases = {
  lessee: { owner: "sole", ttlMs: 30_000 },
  acquire: () => Effect.succeed("acquired"),
  renew: () => Effect.succeed({ held: true, poked: false }),
  release: () => Effect.succeed("released")
}

/** The lease SQL; every statement is one round trip, safe against concurrent owners. */
export const makeLeaseSql = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const seconds = (lessee: Lessee) => lessee.ttlMs / 1000

  const acquire = (key: ConversationKey, lessee: Lessee): Effect.Effect<Acquired, SqlError> =>
    Effect.gen(function*() {
      const { owner } = lessee
      const ttl = seconds(lessee)
      const taken = yield* sql`
        INSERT INTO conversation_leases (conversation_id, organization_id, owner, expires_at)
        VALUES (${key.conversationId}, ${key.organizationId}, ${owner}, now() + make_interval(secs => ${ttl}))
        ON CONFLICT (conversation_id) DO UPDATE
          SET owner = excluded.owner, expires_at = excluded.expires_at,
              poked = conversation_leases.poked AND conversation_leases.owner = excluded.owner
          WHERE conversation_leases.owner = excluded.owner OR conversation_leases.expires_at < now()
        RETURNING owner`
      if (taken.length > 0) return "acquired" as const
      const poked = yield* sql`
        UPDATE conversation_leases SET poked = true
        WHERE conversation_id = ${key.conversationId} AND owner <> ${owner} AND expires_at >= now()
        RETURNING owner`
      // released or expired between the two statements: try again
      return poked.length > 0 ? "held" as const : yield* acquire(key, lessee)
    })

  const renew = (key: ConversationKey, lessee: Lessee) =>
    sql`
      UPDATE conversation_leases l SET expires_at = now() + make_interval(secs => ${seconds(lessee)}), poked = false
      FROM (SELECT conversation_id, poked FROM conversation_leases
            WHERE conversation_id = ${key.conversationId} AND owner = ${lessee.owner} FOR UPDATE) old
      WHERE l.conversation_id = old.conversation_id
      RETURNING old.poked`.pipe(pokedRows, Effect.map((rows): Renewed => ({ held: rows.length > 0, poked: rows[0]?.poked ?? false })))

  const release = (key: ConversationKey, lessee: Lessee) =>
    sql`
      WITH released AS (
        DELETE FROM conversation_leases
        WHERE conversation_id = ${key.conversationId} AND owner = ${lessee.owner} AND NOT poked RETURNING 1),
      poked AS (
        UPDATE conversation_leases SET poked = false, expires_at = now() + make_interval(secs => ${seconds(lessee)})
        WHERE conversation_id = ${key.conversationId} AND owner = ${lessee.owner} AND poked RETURNING 1)
      SELECT (SELECT count(*) FROM released)::int AS released, (SELECT count(*) FROM poked)::int AS poked`.pipe(
      releasedRows,
      Effect.map((rows): Released => (rows[0]?.released ?? 0) > 0 ? "released" : (rows[0]?.poked ?? 0) > 0 ? "poked" : "lost")
    )

  const takeExpired = (lessee: Lessee, limit: number) =>
    sql`
      UPDATE conversation_leases SET owner = ${lessee.owner}, expires_at = now() + make_interval(secs => ${seconds(lessee)}), poked = false
      WHERE conversation_id IN (
        SELECT conversation_id FROM conversation_leases WHERE expires_at < now()
        ORDER BY expires_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)
      RETURNING organization_id, conversation_id`.pipe(leaseKeys)

  return { acquire, renew, release, takeExpired }
})
