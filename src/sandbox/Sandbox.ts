/**
 * Development only: at start, a sandbox WhatsApp number (transport `sandbox`, nothing leaves the
 * machine) and an admin user in the default organization, so `npm run chat` can play a lead.
 * What the client needs is written to `${DATA_DIR}/sandbox.json` (mode 0600); the channel's app
 * secret is kept across restarts, the user's password is rotated on each start. Secrets are
 * never logged.
 */
import { randomBytes } from "node:crypto"
import { mkdir, rename, rm, writeFile } from "node:fs/promises"
import { Effect, Layer, Option, Redacted, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { hashPassword } from "../auth/Passwords.ts"
import { AppConfig } from "../config/AppConfig.ts"
import type { OrganizationId } from "../domain/ids.ts"
import { Channels } from "../whatsapp/Channels.ts"
import { ensureDefaultOrganization } from "../whatsapp/QuickSetup.ts"
import { WebhookSecrets } from "../whatsapp/WebhookSecrets.ts"
import { SandboxFileJson, sandboxFilePath } from "./file.ts"
import { decodeRows } from "../db/rows.ts"

const organizationRows = decodeRows(Schema.Struct({ name: Schema.String, inviteCode: Schema.String }))

export const SANDBOX_PHONE_NUMBER_ID = "sandbox"
export const SANDBOX_EMAIL = "sandbox@localhost"

const randomSecret = () => randomBytes(24).toString("base64url")
const encodeFile = Schema.encodeEffect(SandboxFileJson)

/** The sandbox channel, with the app secret it had before (or a fresh one). */
const ensureChannel = Effect.fn("Sandbox.ensureChannel")(function*(organizationId: OrganizationId) {
  const channels = yield* Channels
  // sealed with another SECRETS_KEY (a new DATA_DIR on the same database) → a fresh secret replaces it
  const existing = yield* channels.findByPhoneNumberId(SANDBOX_PHONE_NUMBER_ID).pipe(Effect.orElseSucceed(Option.none))
  const appSecret = Option.getOrElse(Option.flatMap(existing, (c) => c.appSecret), () => Redacted.make(randomSecret()))
  const channel = yield* channels.upsert({ organizationId, phoneNumberId: SANDBOX_PHONE_NUMBER_ID, displayPhoneNumber: "sandbox", transport: "sandbox", appSecret })
  yield* (yield* WebhookSecrets).refresh
  return { channel, appSecret }
})

/** The sandbox admin, (re)activated in the organization with a new password. */
const ensureUser = Effect.fn("Sandbox.ensureUser")(function*(organizationId: string, password: Redacted.Redacted<string>) {
  const sql = yield* SqlClient.SqlClient
  const hashedPassword = yield* hashPassword(password)
  yield* sql`INSERT INTO users ${sql.insert({ organizationId, name: "Sandbox", email: SANDBOX_EMAIL, hashedPassword, role: "admin" })}
    ON CONFLICT (email) DO UPDATE SET organization_id = EXCLUDED.organization_id, hashed_password = EXCLUDED.hashed_password,
      role = 'admin', is_active = true, updated_at = now()`
})

/** Written to a temporary file first, so a reader never sees half of it. */
const writeSandboxFile = (dataDir: string, contents: string) =>
  Effect.tryPromise(async () => {
    const file = sandboxFilePath(dataDir)
    await mkdir(dataDir, { recursive: true })
    await rm(`${file}.tmp`, { force: true })
    await writeFile(`${file}.tmp`, contents, { mode: 0o600 })
    await rename(`${file}.tmp`, file)
    return file
  })

const setUp = Effect.fn("Sandbox.setUp")(function*(dataDir: string) {
  const organizationId = yield* ensureDefaultOrganization()
  const { channel, appSecret } = yield* ensureChannel(organizationId)
  const password = Redacted.make(randomSecret())
  yield* ensureUser(organizationId, password)
  const file = yield* writeSandboxFile(dataDir, yield* encodeFile({
    organizationId,
    channelId: channel.id,
    phoneNumberId: channel.phoneNumberId,
    appSecret: Redacted.value(appSecret),
    email: SANDBOX_EMAIL,
    password: Redacted.value(password)
  }))
  yield* Effect.logInfo("sandbox ready: talk to the bot with `npm run chat`").pipe(
    Effect.annotateLogs({ file, phoneNumberId: channel.phoneNumberId, email: SANDBOX_EMAIL })
  )
  yield* announceDefaultOrganization(organizationId)
})

/**
 * Development: the default (quick-setup) organization's invite code, so a person can join it
 * from the dashboard (`POST /auth/signup/join-org`); `npm run admin -- create` makes an admin.
 */
const announceDefaultOrganization = Effect.fn("Sandbox.announceDefaultOrganization")(function*(organizationId: OrganizationId) {
  const sql = yield* SqlClient.SqlClient
  const [org] = yield* sql`SELECT name, invite_code FROM organizations WHERE id = ${organizationId}`.pipe(organizationRows)
  if (org === undefined) return
  yield* Effect.logInfo(
    `default organization "${org.name}": invite code ${org.inviteCode} (join with POST /auth/signup/join-org; an admin: npm run admin -- create --email … --password …)`
  ).pipe(Effect.annotateLogs({ organizationId, inviteCode: org.inviteCode }))
})

export const SandboxLive = Layer.effectDiscard(Effect.gen(function*() {
  const config = yield* AppConfig
  if (config.environment !== "development") return
  // a convenience: the service still starts without it
  yield* setUp(config.dataDir).pipe(Effect.catchCause((cause) => Effect.logWarning("sandbox not set up", cause)))
}))
