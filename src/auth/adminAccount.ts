/**
 * The operator's way in (`npm run admin -- create`): creates an admin of an organization, or
 * resets one (new password, role admin, active again). The organization is the quick-setup one
 * (the default organization, created when missing) unless one is named; a named organization
 * that does not exist is created. An e-mail of another organization's account is refused:
 * accounts never move between tenants.
 */
import { createHash } from "node:crypto"
import { Effect, Option, Redacted, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { Email, normalizeEmail, Password } from "../domain/dashboard/fields.ts"
import { ensureDefaultOrganization } from "../whatsapp/QuickSetup.ts"
import { newInviteCode } from "./Accounts.ts"
import { hashPassword } from "./Passwords.ts"
import { decodeRows } from "../db/rows.ts"

const userRows = decodeRows(Schema.Struct({ id: Schema.String, organizationId: Schema.String, organizationName: Schema.String }))

export class AdminRefused extends Schema.TaggedError<AdminRefused>()("AdminRefused", { reason: Schema.String }) {
  override get message() {
    return this.reason
  }
}

export interface AdminInput {
  readonly email: string
  readonly password: Redacted.Redacted<string>
  /** unset: the quick-setup (default) organization */
  readonly organization: Option.Option<string>
  readonly name: Option.Option<string>
}

export interface AdminResult {
  readonly action: "created" | "reset"
  readonly email: string
  readonly organization: { readonly id: string; readonly name: string; readonly inviteCode: string; readonly created: boolean }
}

const OrgRow = Schema.Struct({ id: Schema.String, name: Schema.String, inviteCode: Schema.String })
const decodeOrgs = Schema.decodeUnknownEffect(Schema.Array(OrgRow))

const checkField = <S extends Schema.Top & { readonly DecodingServices: never }>(schema: S, field: string, value: unknown) =>
  Schema.decodeUnknownEffect(schema)(value).pipe(
    Effect.mapError((e) => new AdminRefused({ reason: `${field} ${e.message.split("\n")[0] ?? "is invalid"}` }))
  )

export const createOrResetAdmin = Effect.fn("Admin.createOrReset")(function*(input: AdminInput) {
  const sql = yield* SqlClient.SqlClient
  yield* checkField(Email, "--email", input.email)
  yield* checkField(Password, "--password", Redacted.value(input.password))
  const email = normalizeEmail(input.email)
  // hashed before the transaction: a hash takes a while and no connection should wait on it
  const hashedPassword = yield* hashPassword(input.password)

  const organization = Effect.gen(function*() {
    if (Option.isNone(input.organization)) {
      const id = yield* ensureDefaultOrganization()
      const [org] = yield* decodeOrgs(yield* sql`SELECT id, name, invite_code FROM organizations WHERE id = ${id}`)
      return org === undefined ? yield* Effect.die("default organization vanished") : { ...org, created: false }
    }
    const name = input.organization.value.trim()
    if (name.length === 0) return yield* new AdminRefused({ reason: "--org must not be empty" })
    const found = yield* decodeOrgs(yield* sql`SELECT id, name, invite_code FROM organizations WHERE lower(name) = lower(${name}) AND is_active`)
    if (found.length > 1) {
      return yield* new AdminRefused({ reason: `${found.length} organizations are named "${name}": sign in as an admin of the one you mean instead` })
    }
    const [existing] = found
    if (existing !== undefined) return { ...existing, created: false }
    const [created] = yield* decodeOrgs(
      yield* sql`INSERT INTO organizations ${sql.insert({ name, inviteCode: newInviteCode() })} RETURNING id, name, invite_code`
    )
    return created === undefined ? yield* Effect.die("organization insert returned nothing") : { ...created, created: true }
  })

  return yield* Effect.gen(function*() {
    const org = yield* organization
    const [user] = yield* sql`
      SELECT u.id, u.organization_id, o.name AS organization_name
      FROM users u JOIN organizations o ON o.id = u.organization_id WHERE u.email = ${email} FOR UPDATE OF u`.pipe(userRows)
    if (user !== undefined && user.organizationId !== org.id) {
      return yield* new AdminRefused({
        reason: `${email} belongs to organization "${user.organizationName}": accounts never move between organizations (use --org "${user.organizationName}" to reset it there)`
      })
    }
    if (user === undefined) {
      const name = Option.getOrElse(input.name, () => email.split("@")[0] ?? "Admin")
      yield* sql`INSERT INTO users ${sql.insert({ organizationId: org.id, name, email, hashedPassword, role: "admin" })}`
    } else {
      yield* sql`UPDATE users SET hashed_password = ${hashedPassword}, role = 'admin', is_active = true,
        name = coalesce(${Option.getOrNull(input.name)}, name), updated_at = now() WHERE id = ${user.id}`
    }
    // failed sign-ins of this e-mail (from any address) count afresh (src/auth/LoginThrottle.ts keys)
    const digest = createHash("sha256").update(email).digest("base64url")
    yield* sql`DELETE FROM auth_attempts WHERE kind = 'login_pair' AND right(key, ${digest.length}) = ${digest}`
    return { action: user === undefined ? "created" : "reset", email, organization: org } satisfies AdminResult
  }).pipe(sql.withTransaction)
})
