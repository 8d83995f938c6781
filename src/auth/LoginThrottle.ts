/**
 * Throttled signup and login attempts, counted in PostgreSQL (`auth_attempts`) so every API
 * process shares the counts. An attempt is counted *before* it is handled, by one upsert that
 * increments and returns the count: of N parallel attempts exactly `max` get through, the rest are
 * refused with TooManyAttempts (429 + Retry-After) until the window ends. A window starts at a
 * key's first attempt and lasts its `windowSeconds`; refused attempts count but do not extend it.
 *
 * - Login, per (client address, email): 5 failures / 15 min. Keyed on the pair so nobody can lock
 *   a user out by naming them: failures from other addresses never block the right password.
 * - Login, per client address, any email: 20 failures / 15 min (password spraying).
 *   A successful login gives its attempt back to the address and clears the pair.
 * - Signup (create-org and join-org together), per client address: 20 attempts / hour, successful or not.
 *
 * The client address is src/http/clientAddress.ts (`TRUST_PROXY`). Expired rows are deleted
 * every few minutes by whichever process runs this service.
 */
import { createHash } from "node:crypto"
import { Context, Effect, Layer, Schedule, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { TooManyAttempts } from "../domain/dashboard/errors.ts"
import { decodeRows } from "../db/rows.ts"

const countRows = decodeRows(Schema.Struct({ n: Schema.Int }))

export interface Limit {
  readonly kind: "login_pair" | "login_address" | "signup"
  readonly max: number
  readonly windowSeconds: number
}

export const LOGIN_PAIR: Limit = { kind: "login_pair", max: 5, windowSeconds: 15 * 60 }
export const LOGIN_ADDRESS: Limit = { kind: "login_address", max: 20, windowSeconds: 15 * 60 }
export const SIGNUP_ADDRESS: Limit = { kind: "signup", max: 20, windowSeconds: 60 * 60 }
const PRUNE_EVERY = "5 minutes"

const Counted = Schema.Struct({ attempts: Schema.Int, retryAfter: Schema.Int })

/** The pair's key: the address and a digest of the email (no address book in this table, bounded key size). */
const pairKey = (email: string, address: string) => `${address} ${createHash("sha256").update(email).digest("base64url")}`

export class LoginThrottle extends Context.Service<LoginThrottle, {
  /** Counts a login attempt of `email` from `address`; refused when either limit is used up. */
  readonly login: (email: string, address: string) => Effect.Effect<void, TooManyAttempts>
  /** The attempt was right: the address gets it back, the pair starts over. */
  readonly loginSucceeded: (email: string, address: string) => Effect.Effect<void>
  /** Counts a create-org or join-org attempt from `address`. */
  readonly signup: (address: string) => Effect.Effect<void, TooManyAttempts>
  /** Deletes the rows of ended windows; returns how many. */
  readonly prune: Effect.Effect<number>
}>()("wa/auth/LoginThrottle") {
  static readonly layer = Layer.effect(
    LoginThrottle,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient

      /** One atomic increment (a new window when the last one ended); the count after it. */
      const count = (limit: Limit, key: string) =>
        sql`INSERT INTO auth_attempts (kind, key, attempts, window_ends_at)
            VALUES (${limit.kind}, ${key}, 1, now() + make_interval(secs => ${limit.windowSeconds}))
            ON CONFLICT (kind, key) DO UPDATE SET
              attempts = CASE WHEN auth_attempts.window_ends_at <= now() THEN 1 ELSE auth_attempts.attempts + 1 END,
              window_ends_at = CASE WHEN auth_attempts.window_ends_at <= now() THEN EXCLUDED.window_ends_at
                                    ELSE auth_attempts.window_ends_at END
            RETURNING attempts, greatest(1, ceil(extract(epoch FROM window_ends_at - now())))::int AS retry_after`.pipe(
          decodeRows(Counted),
          Effect.orDie,
          Effect.flatMap(([row]) => row === undefined ? Effect.die("auth_attempts upsert returned nothing") : Effect.succeed(row))
        )

      const admit = (limit: Limit, key: string, message: string) =>
        Effect.flatMap(count(limit, key), ({ attempts, retryAfter }) =>
          attempts > limit.max
            ? Effect.fail(new TooManyAttempts({ message: `${message}; retry in ${retryAfter} s`, retryAfterSeconds: retryAfter }))
            : Effect.void)

      const login = Effect.fn("LoginThrottle.login")(function*(email: string, address: string) {
        // the address first: a refused spray adds no row per guessed email
        yield* admit(LOGIN_ADDRESS, address, "Too many failed logins")
        yield* admit(LOGIN_PAIR, pairKey(email, address), "Too many failed logins")
      })

      const loginSucceeded = Effect.fn("LoginThrottle.loginSucceeded")(function*(email: string, address: string) {
        yield* sql`UPDATE auth_attempts SET attempts = attempts - 1
                   WHERE kind = ${LOGIN_ADDRESS.kind} AND key = ${address} AND attempts > 0 AND window_ends_at > now()`
        yield* sql`DELETE FROM auth_attempts WHERE kind = ${LOGIN_PAIR.kind} AND key = ${pairKey(email, address)}`
      }, Effect.orDie)

      const signup = Effect.fn("LoginThrottle.signup")((address: string) =>
        admit(SIGNUP_ADDRESS, address, "Too many signups from this address")
      )

      const deleteEnded = sql`
        WITH gone AS (DELETE FROM auth_attempts WHERE window_ends_at <= now() RETURNING 1)
        SELECT count(*)::int AS n FROM gone`.pipe(countRows, Effect.map((rows) => rows[0]?.n ?? 0), Effect.withSpan("LoginThrottle.prune"))

      yield* deleteEnded.pipe(
        Effect.catch((e) => Effect.logWarning("auth_attempts not pruned", e)),
        Effect.repeat(Schedule.spaced(PRUNE_EVERY)),
        Effect.forkScoped
      )

      return LoginThrottle.of({ login, loginSucceeded, signup, prune: Effect.orDie(deleteEnded) })
    })
  )
}
