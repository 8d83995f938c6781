/**
 * WhatsApp numbers of organizations (`channels`). Secrets are sealed with SecretBox before
 * they touch the database and opened only here; nothing returned by this service is ever
 * serialized with them in clear (they stay `Redacted`). A secret that cannot be opened (sealed
 * with another SECRETS_KEY) disables its channel only: the channel is returned with the secret
 * named in `unreadable`, never failing the read of other channels.
 */
import { Cache, Context, Duration, Effect, Exit, Layer, Option, Redacted, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { SecretBox } from "../crypto/SecretBox.ts"
import { Transport } from "../domain/enums.ts"
import { ChannelId, OrganizationId, PhoneNumberId } from "../domain/ids.ts"

export class ChannelStoreError extends Schema.TaggedError<ChannelStoreError>()("ChannelStoreError", {
  reason: Schema.String
}) {
  override get message() {
    return this.reason
  }
}

export class ChannelExists extends Schema.TaggedError<ChannelExists>()("ChannelExists", {
  phoneNumberId: Schema.String
}, { httpApiStatus: 409 }) {}

export interface Channel {
  readonly id: ChannelId
  readonly organizationId: OrganizationId
  readonly phoneNumberId: PhoneNumberId
  readonly displayPhoneNumber: string
  readonly transport: Transport
  readonly accessToken: Option.Option<Redacted.Redacted>
  /** The channel's own Meta app secret; none → the deployment's (WHATSAPP_APP_SECRET). */
  readonly appSecret: Option.Option<Redacted.Redacted>
  readonly verifyToken: Option.Option<Redacted.Redacted>
  readonly health: "ok" | "unhealthy"
  readonly healthReason: Option.Option<string>
  /** Sealed secrets that could not be opened: non-empty → the channel is disabled (webhooks 401). */
  readonly unreadable: ReadonlyArray<SecretName>
}

export type SecretName = "access_token" | "app_secret" | "verify_token"

export interface NewChannel {
  readonly organizationId: OrganizationId
  readonly phoneNumberId: string
  readonly displayPhoneNumber?: string
  readonly transport: Transport
  readonly accessToken?: Redacted.Redacted
  readonly appSecret?: Redacted.Redacted
  readonly verifyToken?: Redacted.Redacted
}

export interface UnhealthyChannel {
  readonly id: ChannelId
  readonly phoneNumberId: PhoneNumberId
  readonly reason: string
  readonly since: Date
}

const Row = Schema.Struct({
  id: ChannelId,
  organizationId: OrganizationId,
  phoneNumberId: PhoneNumberId,
  displayPhoneNumber: Schema.String,
  transport: Transport,
  accessTokenEnc: Schema.NullOr(Schema.String),
  appSecretEnc: Schema.NullOr(Schema.String),
  verifyTokenEnc: Schema.NullOr(Schema.String),
  health: Schema.Literals(["ok", "unhealthy"]),
  healthReason: Schema.NullOr(Schema.String),
  healthChangedAt: Schema.NullOr(Schema.Date)
})
const decodeRows = Schema.decodeUnknownEffect(Schema.Array(Row))
const COLUMNS = "id, organization_id, phone_number_id, display_phone_number, transport, access_token_enc, app_secret_enc, verify_token_enc, health, health_reason, health_changed_at"

const storeError = (e: { readonly message: string }) => new ChannelStoreError({ reason: e.message })

/**
 * A channel lookup's answers kept briefly (the webhook's keys, a number's channel, a send's
 * channel): no database read nor decryption per request; a change applies within 5 s. A failed
 * lookup is not kept: the next request tries again. Least recently used entries go first.
 */
export const keptBriefly = <K, A, E>(lookup: (key: K) => Effect.Effect<A, E>) =>
  Cache.makeWith(lookup, { capacity: 10_000, timeToLive: (exit) => Exit.isSuccess(exit) ? Duration.seconds(5) : Duration.zero })

export class Channels extends Context.Service<Channels, {
  /** A new channel; `ChannelExists` when the phone_number_id is bound already. */
  readonly create: (input: NewChannel) => Effect.Effect<Channel, ChannelExists | ChannelStoreError>
  /**
   * Creates or updates (by phone_number_id) — the env quick-setup path. Never moves a number:
   * `ChannelExists` when it is bound to another organization.
   */
  readonly upsert: (input: NewChannel) => Effect.Effect<Channel, ChannelExists | ChannelStoreError>
  readonly findById: (id: ChannelId) => Effect.Effect<Option.Option<Channel>, ChannelStoreError>
  readonly findByPhoneNumberId: (id: string) => Effect.Effect<Option.Option<Channel>, ChannelStoreError>
  readonly listByOrganization: (organizationId: OrganizationId) => Effect.Effect<ReadonlyArray<Channel>, ChannelStoreError>
  /** Every channel (few callers: the webhook reads one channel at a time, see WebhookSecrets). */
  readonly all: Effect.Effect<ReadonlyArray<Channel>, ChannelStoreError>
  readonly markUnhealthy: (id: ChannelId, reason: string) => Effect.Effect<void, ChannelStoreError>
  readonly markHealthy: (id: ChannelId) => Effect.Effect<void, ChannelStoreError>
  readonly unhealthy: Effect.Effect<ReadonlyArray<UnhealthyChannel>, ChannelStoreError>
}>()("wa/Channels") {
  static readonly layer = Layer.effect(Channels, Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const box = yield* SecretBox
    /** Some(secret), None when unset; a seal that cannot be opened is None and named in `unreadable`. */
    const open = (name: SecretName, sealed: string | null, unreadable: Array<SecretName>) =>
      sealed === null
        ? Effect.succeed(Option.none<Redacted.Redacted>())
        : box.open(sealed).pipe(
          Effect.option,
          Effect.tap((opened) =>
            Effect.sync(() => {
              if (Option.isNone(opened)) unreadable.push(name)
            })
          )
        )
    const toChannels = (rows: ReadonlyArray<unknown>) =>
      decodeRows(rows).pipe(
        Effect.flatMap(Effect.forEach((r) =>
          Effect.gen(function*() {
            const unreadable: Array<SecretName> = []
            const channel: Channel = {
              id: r.id,
              organizationId: r.organizationId,
              phoneNumberId: r.phoneNumberId,
              displayPhoneNumber: r.displayPhoneNumber,
              transport: r.transport,
              accessToken: yield* open("access_token", r.accessTokenEnc, unreadable),
              appSecret: yield* open("app_secret", r.appSecretEnc, unreadable),
              verifyToken: yield* open("verify_token", r.verifyTokenEnc, unreadable),
              health: r.health,
              healthReason: Option.fromNullishOr(r.healthReason),
              unreadable
            }
            return channel
          }))),
        Effect.mapError(storeError)
      )
    const query = (text: string, params: ReadonlyArray<string>) =>
      sql.unsafe(text, params).pipe(Effect.mapError(storeError), Effect.flatMap(toChannels))
    const seal = (v: Redacted.Redacted | undefined) => v === undefined ? null : box.seal(v)
    const values = (i: NewChannel) => ({
      organizationId: i.organizationId,
      phoneNumberId: i.phoneNumberId,
      displayPhoneNumber: i.displayPhoneNumber ?? "",
      transport: i.transport,
      accessTokenEnc: seal(i.accessToken),
      appSecretEnc: seal(i.appSecret),
      verifyTokenEnc: seal(i.verifyToken)
    })
    const first = (cs: ReadonlyArray<Channel>) => Option.fromNullishOr(cs[0])
    const one = (cs: ReadonlyArray<Channel>) =>
      Option.match(first(cs), { onNone: () => Effect.fail(new ChannelStoreError({ reason: "no row returned" })), onSome: Effect.succeed })

    const create = Effect.fn("Channels.create")(function*(input: NewChannel) {
      const rows = yield* sql`INSERT INTO channels ${sql.insert(values(input))}
        ON CONFLICT (phone_number_id) DO NOTHING RETURNING ${sql.unsafe(COLUMNS)}`.pipe(Effect.mapError(storeError))
      if (rows.length === 0) return yield* new ChannelExists({ phoneNumberId: input.phoneNumberId })
      return yield* one(yield* toChannels(rows))
    })
    const upsert = Effect.fn("Channels.upsert")(function*(input: NewChannel) {
      const v = values(input)
      const rows = yield* sql`INSERT INTO channels ${sql.insert(v)}
        ON CONFLICT (phone_number_id) DO UPDATE SET organization_id = EXCLUDED.organization_id,
          transport = EXCLUDED.transport, access_token_enc = EXCLUDED.access_token_enc,
          app_secret_enc = EXCLUDED.app_secret_enc, verify_token_enc = EXCLUDED.verify_token_enc,
          display_phone_number = CASE WHEN EXCLUDED.display_phone_number = '' THEN channels.display_phone_number
            ELSE EXCLUDED.display_phone_number END, updated_at = now()
        WHERE channels.organization_id = EXCLUDED.organization_id
        RETURNING ${sql.unsafe(COLUMNS)}`.pipe(Effect.mapError(storeError))
      // bound to another organization: the guarded update changed nothing
      if (rows.length === 0) return yield* new ChannelExists({ phoneNumberId: input.phoneNumberId })
      return yield* one(yield* toChannels(rows))
    })
    const setHealth = (id: ChannelId, health: "ok" | "unhealthy", reason: string | null) =>
      sql`UPDATE channels SET health = ${health}, health_reason = ${reason}, health_changed_at = now(), updated_at = now()
        WHERE id = ${id} AND health IS DISTINCT FROM ${health}`.pipe(Effect.asVoid, Effect.mapError(storeError))

    return Channels.of({
      create,
      upsert,
      findById: (id) => query(`SELECT ${COLUMNS} FROM channels WHERE id = $1`, [id]).pipe(Effect.map(first)),
      findByPhoneNumberId: (id) => query(`SELECT ${COLUMNS} FROM channels WHERE phone_number_id = $1`, [id]).pipe(Effect.map(first)),
      listByOrganization: (org) => query(`SELECT ${COLUMNS} FROM channels WHERE organization_id = $1 ORDER BY created_at`, [org]),
      all: query(`SELECT ${COLUMNS} FROM channels ORDER BY created_at`, []),
      markUnhealthy: (id, reason) => setHealth(id, "unhealthy", reason),
      markHealthy: (id) => setHealth(id, "ok", null),
      unhealthy: sql.unsafe(`SELECT ${COLUMNS} FROM channels WHERE health = 'unhealthy' ORDER BY phone_number_id`).pipe(
        Effect.flatMap(decodeRows),
        Effect.map((rows) => rows.map((r) => ({ id: r.id, phoneNumberId: r.phoneNumberId, reason: r.healthReason ?? "", since: r.healthChangedAt ?? new Date(0) }))),
        Effect.mapError(storeError)
      )
    })
  }))
}
