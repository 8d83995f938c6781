/**
 * Admin settings: channels (through the WhatsApp `Channels` service, which seals secrets with
 * SecretBox; secrets are write-only here), business profile + follow-up policy, invite code.
 */
import { Context, Effect, Layer, Option, Redacted, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { newInviteCode } from "../../auth/Accounts.ts"
import { requireAdmin } from "../../auth/Authentication.ts"
import type { Caller } from "../../domain/dashboard/auth.ts"
import { Conflict, Forbidden, ValidationError } from "../../domain/dashboard/errors.ts"
import type { BusinessProfile, Channel, CreateChannelPayload, Invite } from "../../domain/dashboard/settings.ts"
import { type Channel as StoredChannel, Channels } from "../../whatsapp/Channels.ts"
import { NumberOwnership } from "../../whatsapp/NumberOwnership.ts"
import { WebhookSecrets } from "../../whatsapp/WebhookSecrets.ts"
import { readProfile, writeProfile } from "./profile.ts"
import { decodeRows } from "../../db/rows.ts"

const inviteCodeRows = decodeRows(Schema.Struct({ inviteCode: Schema.String }))

const toChannel = (c: StoredChannel): Channel => ({
  id: c.id,
  phone_number_id: c.phoneNumberId,
  display_phone_number: c.displayPhoneNumber,
  transport: c.transport,
  health: c.health,
  has_access_token: Option.isSome(c.accessToken),
  has_app_secret: Option.isSome(c.appSecret),
  has_verify_token: Option.isSome(c.verifyToken)
})

const secret = (s: string | undefined) => s === undefined ? {} : { value: Redacted.make(s) }

export class Settings extends Context.Service<Settings, {
  /**
   * Binds a number to the caller's organization. A cloud number is bound only once its access
   * token proves it (NumberOwnership); a number bound anywhere already is refused (409).
   */
  readonly createChannel: (caller: Caller, input: CreateChannelPayload) => Effect.Effect<Channel, Forbidden | Conflict | ValidationError>
  readonly listChannels: (caller: Caller) => Effect.Effect<ReadonlyArray<Channel>>
  readonly getProfile: (caller: Caller) => Effect.Effect<BusinessProfile>
  readonly putProfile: (caller: Caller, profile: BusinessProfile) => Effect.Effect<BusinessProfile, Forbidden | ValidationError>
  readonly getInvite: (caller: Caller) => Effect.Effect<Invite, Forbidden>
  readonly rotateInvite: (caller: Caller) => Effect.Effect<Invite, Forbidden>
}>()("wa/dashboard/Settings") {
  static readonly layer = Layer.effect(
    Settings,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const channels = yield* Channels
      const webhookSecrets = yield* WebhookSecrets
      const ownership = yield* NumberOwnership

      const createChannel = Effect.fn("Settings.createChannel")(function*(caller: Caller, input: CreateChannelPayload) {
        yield* requireAdmin(caller)
        const phoneNumberId = input.phone_number_id.trim()
        const taken = new Conflict({ message: "phone_number_id: this number is already connected" })
        // a bound number is never claimed again nor moved, whatever the token
        if (Option.isSome(yield* channels.findByPhoneNumberId(phoneNumberId).pipe(Effect.orDie))) return yield* taken
        let displayPhoneNumber = input.display_phone_number
        if (input.transport === "cloud") {
          if (input.access_token === undefined) {
            return yield* new ValidationError({ message: "access_token: required for a cloud channel (it proves the number is yours)" })
          }
          const proof = yield* ownership.prove(phoneNumberId, Redacted.make(input.access_token)).pipe(
            Effect.mapError((e) => new Forbidden({ message: `phone_number_id: not confirmed: ${e.reason}` }))
          )
          displayPhoneNumber ??= Option.getOrUndefined(proof.displayPhoneNumber)
        } else if (/^[0-9]+$/.test(phoneNumberId)) {
          // sandbox numbers are not proven: they must not be able to squat a real one
          return yield* new ValidationError({
            message: "phone_number_id: a sandbox channel cannot use a WhatsApp phone number id (digits only); connect that number as cloud with its access_token"
          })
        }
        const accessToken = secret(input.access_token)
        const appSecret = secret(input.app_secret)
        const verifyToken = secret(input.verify_token)
        const created = yield* channels.create({
          organizationId: caller.organizationId,
          phoneNumberId,
          transport: input.transport,
          ...(displayPhoneNumber === undefined ? {} : { displayPhoneNumber }),
          ...("value" in accessToken ? { accessToken: accessToken.value } : {}),
          ...("value" in appSecret ? { appSecret: appSecret.value } : {}),
          ...("value" in verifyToken ? { verifyToken: verifyToken.value } : {})
        }).pipe(
          Effect.catchTags({
            ChannelExists: () => Effect.fail(taken),
            ChannelStoreError: Effect.die
          })
        )
        // the webhook accepts the new number's signatures and verify token at once
        yield* webhookSecrets.refresh
        return toChannel(created)
      })

      const listChannels = Effect.fn("Settings.listChannels")(function*(caller: Caller) {
        const all = yield* channels.listByOrganization(caller.organizationId).pipe(Effect.orDie)
        return all.map(toChannel)
      })

      const getProfile = (caller: Caller) => readProfile(sql, caller.organizationId)

      const putProfile = Effect.fn("Settings.putProfile")(function*(caller: Caller, profile: BusinessProfile) {
        yield* requireAdmin(caller)
        if (profile.followup.max_minutes < profile.followup.min_minutes) {
          return yield* new ValidationError({ message: "followup.max_minutes: must not be less than followup.min_minutes" })
        }
        if ((profile.quiet_hours_start === null) !== (profile.quiet_hours_end === null)) {
          return yield* new ValidationError({ message: "quiet_hours_end: give both quiet_hours_start and quiet_hours_end, or neither" })
        }
        yield* writeProfile(sql, caller.organizationId, profile)
        return yield* readProfile(sql, caller.organizationId)
      })

      const getInvite = Effect.fn("Settings.getInvite")(function*(caller: Caller) {
        yield* requireAdmin(caller)
        const [row] = yield* sql`
          SELECT invite_code FROM organizations WHERE id = ${caller.organizationId}`.pipe(inviteCodeRows, Effect.orDie)
        return row === undefined ? yield* Effect.die("organization vanished") : { invite_code: row.inviteCode }
      })

      const rotateInvite = Effect.fn("Settings.rotateInvite")(function*(caller: Caller) {
        yield* requireAdmin(caller)
        const code = newInviteCode()
        yield* sql`UPDATE organizations SET invite_code = ${code}, updated_at = now() WHERE id = ${caller.organizationId}`.pipe(
          Effect.orDie
        )
        return { invite_code: code }
      })

      return Settings.of({ createChannel, listChannels, getProfile, putProfile, getInvite, rotateInvite })
    })
  )
}
