/**
 * Who is online: a person is seen when an authenticated request or RPC call comes in, and every
 * minute while their live event stream is open. Handoffs go to people seen within a few minutes
 * (src/records/assignment.ts). Written at most once a minute per person and process.
 */
import { Clock, Context, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import type { Caller } from "../domain/dashboard/auth.ts"

/** A person's last_seen_at is written at most this often (per process). */
export const PRESENCE_EVERY_MS = 60_000

export class Presence extends Context.Service<Presence, {
  readonly seen: (caller: Caller) => Effect.Effect<void>
}>()("wa/auth/Presence") {
  static readonly layer = Layer.effect(
    Presence,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const written = new Map<string, number>()
      return Presence.of({
        seen: Effect.fn("Presence.seen")(function*(caller: Caller) {
          const now = yield* Clock.currentTimeMillis
          if (now - (written.get(caller.id) ?? -Infinity) < PRESENCE_EVERY_MS) return
          written.set(caller.id, now)
          yield* sql`UPDATE users SET last_seen_at = now() WHERE id = ${caller.id} AND organization_id = ${caller.organizationId}`.pipe(
            Effect.catchCause((cause) => Effect.logWarning("presence not written", cause))
          )
        })
      })
    })
  )
}
