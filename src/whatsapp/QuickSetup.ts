/**
 * Env quick-setup (WHATSAPP_PHONE_NUMBER_ID …): at start, make sure a default organization
 * exists and bind that number to it — transport `cloud` with an access token, else `sandbox`.
 * A number bound to another organization is never moved: start-up stops with one line.
 */
import { randomBytes } from "node:crypto"
import { Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { AppConfig } from "../config/AppConfig.ts"
import { OrganizationId } from "../domain/ids.ts"
import { Channels } from "./Channels.ts"

const decodeId = Schema.decodeUnknownEffect(Schema.Array(Schema.Struct({ id: OrganizationId })))

/** Start-up refused: the quick-setup number belongs to another organization. */
export class QuickSetupRefused extends Schema.TaggedError<QuickSetupRefused>()("QuickSetupRefused", {
  reason: Schema.String
}) {
  override get message() {
    return this.reason
  }
}

/** The default organization (the quick-setup one), if it exists. */
export const findDefaultOrganization = Effect.fn("QuickSetup.findDefaultOrganization")(function*() {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* decodeId(yield* sql`SELECT id FROM organizations WHERE is_default`)
  return Option.fromNullishOr(rows[0]?.id)
})

/** The default organization's id, created ("Default organization") when there is none. */
export const ensureDefaultOrganization = Effect.fn("QuickSetup.ensureDefaultOrganization")(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`INSERT INTO organizations (name, invite_code, is_default)
    VALUES ('Default organization', ${randomBytes(9).toString("base64url")}, true)
    ON CONFLICT (is_default) WHERE is_default DO NOTHING`
  const id = yield* findDefaultOrganization()
  if (Option.isNone(id)) return yield* Effect.die("no default organization after insert")
  return id.value
})

export const QuickSetupLive = Layer.effectDiscard(Effect.gen(function*() {
  const config = yield* AppConfig
  if (Option.isNone(config.whatsapp.quickSetup)) return
  const quick = config.whatsapp.quickSetup.value
  const organizationId = yield* ensureDefaultOrganization()
  const channels = yield* Channels
  const channel = yield* channels.upsert({
    organizationId,
    phoneNumberId: quick.phoneNumberId,
    transport: Option.isSome(quick.accessToken) ? "cloud" : "sandbox",
    ...Option.match(quick.accessToken, { onNone: () => ({}), onSome: (accessToken) => ({ accessToken }) }),
    ...Option.match(quick.verifyToken, { onNone: () => ({}), onSome: (verifyToken) => ({ verifyToken }) })
  }).pipe(
    Effect.catchTag("ChannelExists", () =>
      Effect.fail(
        new QuickSetupRefused({
          reason: `WHATSAPP_PHONE_NUMBER_ID ${quick.phoneNumberId} is connected to another organization; ` +
            "quick setup never moves a number (disconnect it there, or unset WHATSAPP_PHONE_NUMBER_ID)"
        })
      ))
  )
  if (Option.isNone(quick.appSecret)) {
    yield* Effect.logWarning("WHATSAPP_APP_SECRET is unset: webhooks for this number cannot be verified and will be rejected (401)")
  }
  yield* Effect.logInfo("WhatsApp quick-setup channel bound to the default organization").pipe(
    Effect.annotateLogs({ phoneNumberId: channel.phoneNumberId, transport: channel.transport, channelId: channel.id })
  )
}))
