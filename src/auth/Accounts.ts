/**
 * Signup (new organization → admin, invite code → agent), login and the current account.
 * Every signup and login attempt is counted against the client's address first (LoginThrottle);
 * passwords are hashed before any transaction starts (a hash takes a while: no connection waits on it).
 */
import { randomBytes } from "node:crypto"
import { Context, Effect, Layer, Redacted, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { AuthResponse, Caller, CreateOrgPayload, JoinOrgPayload, LoginPayload, Me } from "../domain/dashboard/auth.ts"
import { Conflict, NotFound, type TooManyAttempts, Unauthorized } from "../domain/dashboard/errors.ts"
import { normalizeEmail } from "../domain/dashboard/fields.ts"
import { Role } from "../domain/enums.ts"
import { OrganizationId, UserId } from "../domain/ids.ts"
import { decodeRows } from "../db/rows.ts"
import { LoginThrottle } from "./LoginThrottle.ts"
import { hashPassword, needsRehash, verifyPassword } from "./Passwords.ts"
import { TOKEN_TTL_SECONDS, Tokens } from "./Tokens.ts"

const idRows = decodeRows(Schema.Struct({ id: Schema.String }))

const AccountRow = Schema.Struct({
  id: UserId,
  name: Schema.String,
  email: Schema.String,
  role: Role,
  hashedPassword: Schema.String,
  organizationId: OrganizationId,
  organizationName: Schema.String,
  inviteCode: Schema.String
})
type AccountRow = typeof AccountRow.Type

/** 10 characters from an alphabet without look-alikes: ~50 bits. */
export const newInviteCode = () => {
  const alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
  return Array.from(randomBytes(10), (b) => alphabet[b % alphabet.length]).join("")
}

const emailTaken = new Conflict({ message: "email: an account with this email already exists" })

export class Accounts extends Context.Service<Accounts, {
  /** `address`: the client's (src/http/clientAddress.ts), what attempts are counted against. */
  readonly createOrg: (input: CreateOrgPayload, address: string) => Effect.Effect<AuthResponse, Conflict | TooManyAttempts>
  readonly joinOrg: (input: JoinOrgPayload, address: string) => Effect.Effect<AuthResponse, Conflict | NotFound | TooManyAttempts>
  readonly login: (input: LoginPayload, address: string) => Effect.Effect<AuthResponse, Unauthorized | TooManyAttempts>
  /** The caller's account, if still active (token checks go through here). */
  readonly find: (userId: string, organizationId: string) => Effect.Effect<AccountRow | undefined>
  readonly me: (caller: Caller) => Effect.Effect<Me, Unauthorized>
}>()("wa/auth/Accounts") {
  static readonly layer = Layer.effect(
    Accounts,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const tokens = yield* Tokens
      const throttle = yield* LoginThrottle

      const selectAccount = (where: ReturnType<typeof sql.and>) =>
        sql`SELECT u.id, u.name, u.email, u.role, u.hashed_password, u.organization_id,
                   o.name AS organization_name, o.invite_code
            FROM users u JOIN organizations o ON o.id = u.organization_id
            WHERE ${where} AND u.is_active AND o.is_active`.pipe(decodeRows(AccountRow), Effect.orDie)

      const respond = Effect.fn("Accounts.respond")(function*(row: AccountRow) {
        const accessToken = yield* tokens.issue({ sub: row.id, org: row.organizationId, role: row.role })
        return {
          access_token: accessToken,
          token_type: "bearer" as const,
          expires_in: TOKEN_TTL_SECONDS,
          user: { id: row.id, name: row.name, email: row.email, role: row.role },
          organization: { id: row.organizationId, name: row.organizationName, invite_code: row.role === "admin" ? row.inviteCode : null }
        }
      })

      /** `hashedPassword`: hashed by the caller, before its transaction. */
      const insertUser = Effect.fn("Accounts.insertUser")(function*(
        organizationId: string,
        input: { readonly name: string; readonly email: string },
        hashedPassword: string,
        role: Role
      ) {
        const email = normalizeEmail(input.email)
        const inserted = yield* sql`
          INSERT INTO users ${sql.insert({ organizationId, name: input.name.trim(), email, hashedPassword, role })}
          ON CONFLICT (email) DO NOTHING RETURNING id`.pipe(idRows, Effect.orDie)
        const id = inserted[0]?.id
        if (id === undefined) return yield* emailTaken
        const [row] = yield* selectAccount(sql.and([sql`u.id = ${id}`]))
        return row === undefined ? yield* Effect.die("user vanished after insert") : row
      })

      const createOrg = Effect.fn("Accounts.createOrg")(function*(input: CreateOrgPayload, address: string) {
        yield* throttle.signup(address)
        const hashedPassword = yield* hashPassword(Redacted.make(input.password))
        const row = yield* Effect.gen(function*() {
          const [org] = yield* sql`
            INSERT INTO organizations ${sql.insert({ name: input.organization_name.trim(), inviteCode: newInviteCode() })}
            RETURNING id`.pipe(idRows, Effect.orDie)
          if (org === undefined) return yield* Effect.die("organization insert returned nothing")
          return yield* insertUser(org.id, input, hashedPassword, "admin")
        }).pipe(sql.withTransaction, Effect.catchTag("SqlError", Effect.die))
        return yield* respond(row)
      })

      const joinOrg = Effect.fn("Accounts.joinOrg")(function*(input: JoinOrgPayload, address: string) {
        yield* throttle.signup(address)
        const [org] = yield* sql`
          SELECT id FROM organizations WHERE upper(invite_code) = ${input.invite_code.trim().toUpperCase()} AND is_active`.pipe(idRows, Effect.orDie)
        if (org === undefined) return yield* new NotFound({ message: "invite_code: no organization has this invite code" })
        const hashedPassword = yield* hashPassword(Redacted.make(input.password))
        return yield* respond(yield* insertUser(org.id, input, hashedPassword, "agent"))
      })

      /**
       * A hash made with an older, cheaper scrypt cost is replaced by one of today's, while the
       * password is at hand. Only if nobody changed it meanwhile; a failure leaves the old hash.
       */
      const upgradeHash = Effect.fn("Accounts.upgradeHash")(function*(row: AccountRow, password: Redacted.Redacted<string>) {
        const upgraded = yield* hashPassword(password)
        yield* sql`UPDATE users SET hashed_password = ${upgraded}, updated_at = now()
                   WHERE id = ${row.id} AND hashed_password = ${row.hashedPassword}`
      }, Effect.catch((e) => Effect.logWarning("password hash not upgraded", e)))

      const login = Effect.fn("Accounts.login")(function*(input: LoginPayload, address: string) {
        const email = normalizeEmail(input.email)
        // counted before the check: parallel guesses cannot all get through
        yield* throttle.login(email, address)
        const [row] = yield* selectAccount(sql.and([sql`u.email = ${email}`]))
        const password = Redacted.make(input.password)
        const ok = yield* verifyPassword(password, row?.hashedPassword)
        if (!ok || row === undefined) return yield* new Unauthorized({ message: "Invalid email or password" })
        yield* throttle.loginSucceeded(email, address)
        if (needsRehash(row.hashedPassword)) yield* upgradeHash(row, password)
        return yield* respond(row)
      })

      const find = Effect.fn("Accounts.find")(function*(userId: string, organizationId: string) {
        const rows = yield* selectAccount(sql.and([sql`u.id = ${userId}`, sql`u.organization_id = ${organizationId}`]))
        return rows[0]
      })

      const me = Effect.fn("Accounts.me")(function*(caller: Caller) {
        const row = yield* find(caller.id, caller.organizationId)
        if (row === undefined) return yield* new Unauthorized({ message: "Account not found" })
        return {
          user: { id: row.id, name: row.name, email: row.email, role: row.role },
          organization: { id: row.organizationId, name: row.organizationName, invite_code: row.role === "admin" ? row.inviteCode : null }
        }
      })

      return Accounts.of({ createOrg, joinOrg, login, find, me })
    })
  )
}
