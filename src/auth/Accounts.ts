/** Signup (new organization → admin, invite code → agent), login and the current account. */
import { randomBytes } from "node:crypto"
import { Context, Effect, Layer, Redacted, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { AuthResponse, Caller, CreateOrgPayload, JoinOrgPayload, LoginPayload, Me } from "../domain/dashboard/auth.ts"
import { Conflict, NotFound, type TooManyAttempts, Unauthorized } from "../domain/dashboard/errors.ts"
import { normalizeEmail } from "../domain/dashboard/fields.ts"
import { Role } from "../domain/enums.ts"
import { OrganizationId, UserId } from "../domain/ids.ts"
import { decodeRows } from "../dashboard/sql.ts"
import { LoginThrottle } from "./LoginThrottle.ts"
import { hashPassword, verifyPassword } from "./Passwords.ts"
import { TOKEN_TTL_SECONDS, Tokens } from "./Tokens.ts"

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
  readonly createOrg: (input: CreateOrgPayload) => Effect.Effect<AuthResponse, Conflict>
  readonly joinOrg: (input: JoinOrgPayload) => Effect.Effect<AuthResponse, Conflict | NotFound>
  readonly login: (input: LoginPayload, ip: string) => Effect.Effect<AuthResponse, Unauthorized | TooManyAttempts>
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

      const insertUser = Effect.fn("Accounts.insertUser")(function*(
        organizationId: string,
        input: { readonly name: string; readonly email: string; readonly password: string },
        role: Role
      ) {
        const hashedPassword = yield* hashPassword(Redacted.make(input.password))
        const email = normalizeEmail(input.email)
        const inserted = yield* sql<{ id: string }>`
          INSERT INTO users ${sql.insert({ organizationId, name: input.name.trim(), email, hashedPassword, role })}
          ON CONFLICT (email) DO NOTHING RETURNING id`.pipe(Effect.orDie)
        const id = inserted[0]?.id
        if (id === undefined) return yield* emailTaken
        const [row] = yield* selectAccount(sql.and([sql`u.id = ${id}`]))
        return row === undefined ? yield* Effect.die("user vanished after insert") : row
      })

      const createOrg = Effect.fn("Accounts.createOrg")(function*(input: CreateOrgPayload) {
        const row = yield* Effect.gen(function*() {
          const [org] = yield* sql<{ id: string }>`
            INSERT INTO organizations ${sql.insert({ name: input.organization_name.trim(), inviteCode: newInviteCode() })}
            RETURNING id`.pipe(Effect.orDie)
          if (org === undefined) return yield* Effect.die("organization insert returned nothing")
          return yield* insertUser(org.id, input, "admin")
        }).pipe(sql.withTransaction, Effect.catchTag("SqlError", Effect.die))
        return yield* respond(row)
      })

      const joinOrg = Effect.fn("Accounts.joinOrg")(function*(input: JoinOrgPayload) {
        const [org] = yield* sql<{ id: string }>`
          SELECT id FROM organizations WHERE upper(invite_code) = ${input.invite_code.trim().toUpperCase()} AND is_active`.pipe(Effect.orDie)
        if (org === undefined) return yield* new NotFound({ message: "invite_code: no organization has this invite code" })
        return yield* respond(yield* insertUser(org.id, input, "agent"))
      })

      const login = Effect.fn("Accounts.login")(function*(input: LoginPayload, ip: string) {
        const email = normalizeEmail(input.email)
        yield* throttle.check(email, ip)
        const [row] = yield* selectAccount(sql.and([sql`u.email = ${email}`]))
        const ok = yield* verifyPassword(Redacted.make(input.password), row?.hashedPassword)
        if (!ok || row === undefined) {
          yield* throttle.failed(email, ip)
          return yield* new Unauthorized({ message: "Invalid email or password" })
        }
        yield* throttle.succeeded(email)
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
