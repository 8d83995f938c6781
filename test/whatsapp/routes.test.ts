/**
 * Webhook routes over real HTTP: `/webhooks/whatsapp` checks the deployment's secret only,
 * `/webhooks/whatsapp/{channelId}` that channel's; a delivery is stored only for numbers its
 * signer may speak for; an unreadable channel secret disables that channel only.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Logger, Metric, Option, Redacted, References, Schema } from "effect"
import { HttpClient } from "effect/http"
import { SqlClient } from "effect/sql"
import { makeSecretBox } from "../../src/crypto/SecretBox.ts"
import { ChannelId, OrganizationId } from "../../src/domain/ids.ts"
import { webhookDeliveries } from "../../src/observability/metrics.ts"
import { Channels } from "../../src/whatsapp/Channels.ts"
import { ensureDefaultOrganization } from "../../src/whatsapp/QuickSetup.ts"
import { hmacsComputed } from "../../src/whatsapp/Signature.ts"
import { WebhookSecrets } from "../../src/whatsapp/WebhookSecrets.ts"
import { appWithServicesTest } from "../support/appServices.ts"
import { change, deliver, entry, envelope, postWebhook, signature, signed, text, wamid } from "../support/webhooks.ts"
import { byWamid, consumerEnv, PN1, PN2, SECRET_A, settled, setupChannels } from "./support.ts"

const logLines: Array<string> = []
const captureLogs = Logger.layer([Logger.make((o) => {
  logLines.push(JSON.stringify({ message: o.message, annotations: o.fiber.getRef(References.CurrentLogAnnotations) }))
})])

const route = (channelId: string) => `/webhooks/whatsapp/${channelId}`

/** What `effect` cost in HMACs. */
const hmacsOf = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const before = hmacsComputed()
    const result = yield* effect
    return { result, hmacs: hmacsComputed() - before }
  })

const dropped = (outcome: "foreign_number" | "channel_disabled") =>
  Effect.map(Metric.value(Metric.withAttributes(webhookDeliveries, { outcome })), (s) => s.count)
const foreignDrops = dropped("foreign_number")

const verify = (path: string, token: string) =>
  HttpClient.get(`${path}?hub.mode=subscribe&hub.verify_token=${token}&hub.challenge=7`).pipe(
    Effect.flatMap((r) => Effect.map(r.text, (body) => ({ status: r.status, body }))),
    Effect.scoped
  )

/** An organization that is not the quick-setup one. */
const otherOrganization = (name: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql`INSERT INTO organizations (name, invite_code) VALUES (${name}, ${`invite-${name}-${wamid()}`}) RETURNING id`.pipe(
      Effect.flatMap(Schema.decodeUnknownEffect(Schema.Array(Schema.Struct({ id: OrganizationId })))),
      Effect.map((rows) => rows[0]?.id ?? OrganizationId.make(""))
    ))

const lead = (phoneNumberId: string, id: string, body = "hello") =>
  change({ phoneNumberId, contacts: [{ waId: "15550004444" }], messages: [text("15550004444", body, { id })] })

describe("webhook routes", () => {
  it.layer(appWithServicesTest({ ...consumerEnv, WEBHOOK_BAD_SIGNATURE_LIMIT: "0" }, captureLogs), {
    excludeTestServices: true,
    timeout: "120 seconds"
  })((it) => {
    it.effect("a bad signature costs one HMAC with 200 tenants' secrets, on either route", () =>
      Effect.gen(function*() {
        yield* setupChannels
        const channels = yield* Channels
        const tenants = yield* Effect.forEach(Array.from({ length: 200 }, (_, i) => i), (i) =>
          Effect.gen(function*() {
            const org = yield* otherOrganization(`tenant-${i}`)
            const secret = `tenant-secret-${i}`
            const channel = yield* channels.create({
              organizationId: org, phoneNumberId: `1097${String(i).padStart(11, "0")}`, transport: "sandbox", appSecret: Redacted.make(secret)
            })
            return { id: channel.id, phoneNumberId: channel.phoneNumberId, secret }
          }))
        const t7 = tenants[7]
        const t150 = tenants[150]
        if (t7 === undefined || t150 === undefined) return assert.fail("tenants missing")

        // the bare route: the deployment's secret only, one HMAC
        const payload = envelope(entry("waba", lead(t150.phoneNumberId, wamid())))
        const byTenant = yield* hmacsOf(deliver(t150.secret, payload))
        assert.deepStrictEqual([byTenant.result.status, byTenant.hmacs], [401, 1], "a tenant's own secret is no good on the bare route")
        const { body } = signed(SECRET_A, payload)
        const forged = yield* hmacsOf(postWebhook(body, `sha256=${"0".repeat(64)}`))
        assert.deepStrictEqual([forged.result.status, forged.hmacs], [401, 1])
        const missing = yield* hmacsOf(postWebhook(body, undefined))
        assert.deepStrictEqual([missing.result.status, missing.hmacs], [401, 0])

        // a channel's route: that channel's secret only, one HMAC
        const wrongTenant = yield* hmacsOf(deliver(t150.secret, envelope(entry("waba", lead(t7.phoneNumberId, wamid()))), route(t7.id)))
        assert.deepStrictEqual([wrongTenant.result.status, wrongTenant.hmacs], [401, 1])
        const deploymentOnOwnSecret = yield* hmacsOf(deliver(SECRET_A, envelope(entry("waba", lead(t7.phoneNumberId, wamid()))), route(t7.id)))
        assert.deepStrictEqual([deploymentOnOwnSecret.result.status, deploymentOnOwnSecret.hmacs], [401, 1])
        const id = wamid()
        const good = yield* hmacsOf(deliver(t7.secret, envelope(entry("waba", lead(t7.phoneNumberId, id, "from tenant 7"))), route(t7.id)))
        assert.deepStrictEqual([good.result.status, good.hmacs], [200, 1])
        yield* settled
        assert.strictEqual((yield* byWamid(id))?.content, "from tenant 7")
      }))

    it.effect("an unknown channel's route answers 401 without an HMAC; a malformed id 400", () =>
      Effect.gen(function*() {
        const payload = envelope(entry("waba", lead(PN1, wamid())))
        const unknown = yield* hmacsOf(deliver(SECRET_A, payload, route("00000000-0000-0000-0000-000000000000")))
        assert.deepStrictEqual([unknown.result.status, unknown.hmacs], [401, 0])
        assert.isTrue(logLines.some((l) => l.includes("webhook rejected: unknown channel")))
        assert.strictEqual((yield* deliver(SECRET_A, payload, route("not-a-uuid"))).status, 400)
      }))

    it.effect("the handshake: the bare route takes the deployment's verify token, a channel's route its own (else the deployment's)", () =>
      Effect.gen(function*() {
        const { pn2 } = yield* setupChannels
        const org = yield* otherOrganization("verifying")
        const own = yield* (yield* Channels).create({
          organizationId: org, phoneNumberId: "109000000000201", transport: "sandbox", appSecret: Redacted.make("s-201"),
          verifyToken: Redacted.make("verify-c")
        })
        assert.deepStrictEqual(yield* verify(route(own.id), "verify-c"), { status: 200, body: "7" })
        assert.strictEqual((yield* verify(route(own.id), "verify-a")).status, 403)
        assert.strictEqual((yield* verify("/webhooks/whatsapp", "verify-c")).status, 403, "a tenant's token is not the deployment's")
        assert.deepStrictEqual(yield* verify("/webhooks/whatsapp", "verify-a"), { status: 200, body: "7" })
        assert.deepStrictEqual(yield* verify(route(pn2), "verify-a"), { status: 200, body: "7" }, "no token of its own: the deployment's")
        assert.strictEqual((yield* verify(route("00000000-0000-0000-0000-000000000000"), "verify-a")).status, 403)
      }))

    it.effect("the deployment's secret speaks only for the quick-setup organization's numbers without a secret of their own", () =>
      Effect.gen(function*() {
        yield* setupChannels
        const channels = yield* Channels
        const foreignOrg = yield* otherOrganization("foreign")
        const foreign = yield* channels.create({ organizationId: foreignOrg, phoneNumberId: "109000000000301", transport: "sandbox" })
        const quickOrg = yield* ensureDefaultOrganization()
        const ownSecret = yield* channels.create({
          organizationId: quickOrg, phoneNumberId: "109000000000302", transport: "sandbox", appSecret: Redacted.make("own-302")
        })
        yield* (yield* WebhookSecrets).refresh
        const [mine, second, theirs, withOwn] = [wamid(), wamid(), wamid(), wamid()]
        const before = yield* foreignDrops
        const res = yield* deliver(SECRET_A, envelope(
          entry("waba-a", lead(PN1, mine), lead(PN2, second)),
          entry("waba-x", lead(foreign.phoneNumberId, theirs, "forged for another tenant")),
          entry("waba-q", lead(ownSecret.phoneNumberId, withOwn, "forged for a number with its own secret"))
        ))
        assert.strictEqual(res.status, 200)
        yield* settled
        assert.isDefined(yield* byWamid(mine))
        assert.isDefined(yield* byWamid(second))
        assert.isUndefined(yield* byWamid(theirs), "another organization's number is not stored")
        assert.isUndefined(yield* byWamid(withOwn), "a number with its own secret is not stored from the bare route")
        assert.strictEqual((yield* foreignDrops) - before, 2)
        assert.isTrue(logLines.some((l) => l.includes("signed with the deployment's secret for another organization's number")))

        // the foreign number's own route (no secret of its own: the deployment's) speaks for it, and only for it
        const [onRoute, notItsNumber] = [wamid(), wamid()]
        const routed = yield* deliver(SECRET_A, envelope(entry("waba-x", lead(foreign.phoneNumberId, onRoute, "on its route")), entry("waba-a", lead(PN1, notItsNumber))), route(foreign.id))
        assert.strictEqual(routed.status, 200)
        yield* settled
        assert.strictEqual((yield* byWamid(onRoute))?.content, "on its route")
        assert.isUndefined(yield* byWamid(notItsNumber), "a channel's route speaks for that channel's number only")
      }))

    it.effect("a channel secret that cannot be opened disables that channel only", () =>
      Effect.gen(function*() {
        yield* setupChannels
        const sql = yield* SqlClient.SqlClient
        const channels = yield* Channels
        const foreignKey = makeSecretBox(Redacted.make("another-deployment-secrets-key-0123456789"))
        const org = yield* otherOrganization("rekeyed")
        const quickOrg = yield* ensureDefaultOrganization()
        const insert = (row: Record<string, string>) =>
          sql<{ id: string }>`INSERT INTO channels ${sql.insert({ transport: "sandbox", ...row })} RETURNING id`.pipe(
            Effect.map((rows) => rows[0]?.id ?? "")
          )
        const sealedElsewhere = () => foreignKey.seal(Redacted.make("sealed elsewhere"))
        // another tenant's channel whose app secret, and a quick-setup channel whose verify token, cannot be opened
        const broken = yield* insert({ organizationId: org, phoneNumberId: "109000000000401", appSecretEnc: sealedElsewhere() })
        const brokenQuick = yield* insert({ organizationId: quickOrg, phoneNumberId: "109000000000402", verifyTokenEnc: sealedElsewhere() })
        const healthy = yield* channels.create({ organizationId: org, phoneNumberId: "109000000000403", transport: "sandbox", appSecret: Redacted.make("s-403") })
        yield* (yield* WebhookSecrets).refresh

        // reading every channel still works; the broken ones say which secret is unreadable
        const all = yield* channels.all
        assert.deepStrictEqual(all.find((c) => c.id === broken)?.unreadable, ["app_secret"])
        assert.deepStrictEqual(all.find((c) => c.id === brokenQuick)?.unreadable, ["verify_token"])
        assert.deepStrictEqual(all.find((c) => c.id === healthy.id)?.unreadable, [])
        // a disabled channel has no key at all, not the deployment's in place of its own
        const keys = yield* (yield* WebhookSecrets).forChannel(ChannelId.make(brokenQuick))
        assert.deepStrictEqual(Option.map(keys, (k) => [Option.isNone(k.secret), Option.isNone(k.verifyToken)]), Option.some([true, true]))

        // its route: 401, logged as an error naming the channel
        assert.strictEqual((yield* deliver("sealed elsewhere", envelope(entry("waba", lead("109000000000401", wamid()))), route(broken))).status, 401)
        assert.isTrue(logLines.some((l) => l.includes("channel disabled") && l.includes(broken)))
        // every other route goes on
        const [other, quick, fromBroken] = [wamid(), wamid(), wamid()]
        const disabledBefore = yield* dropped("channel_disabled")
        assert.strictEqual((yield* deliver("s-403", envelope(entry("waba", lead("109000000000403", other))), route(healthy.id))).status, 200)
        assert.strictEqual((yield* deliver(SECRET_A, envelope(entry("waba", lead(PN1, quick), lead("109000000000402", fromBroken))))).status, 200)
        yield* settled
        assert.isDefined(yield* byWamid(other))
        assert.isDefined(yield* byWamid(quick))
        assert.isUndefined(yield* byWamid(fromBroken), "a disabled channel's part is dropped")
        assert.strictEqual((yield* dropped("channel_disabled")) - disabledBefore, 1)
        // and its own route refuses the handshake
        assert.strictEqual((yield* verify(route(brokenQuick), "verify-a")).status, 403)
      }))
  })
})

describe("invalid-signature floods", () => {
  const env = { ...consumerEnv, WEBHOOK_BAD_SIGNATURE_LIMIT: "3", WEBHOOK_BAD_SIGNATURE_WINDOW: "2 seconds" }
  it.layer(appWithServicesTest(env), { excludeTestServices: true, timeout: "60 seconds" })((it) => {
    it.effect("after 3 bad signatures the address gets 429 without an HMAC, counted as rate_limited; other routes go on; the window ends", () =>
      Effect.gen(function*() {
        const { pn2 } = yield* setupChannels
        const rateLimited = Effect.map(Metric.value(Metric.withAttributes(webhookDeliveries, { outcome: "rate_limited" })), (s) => s.count)
        const { body, signature: good } = signed(SECRET_A, envelope(entry("waba", lead(PN1, wamid()))))
        const bad = signature("not-the-secret", body)
        for (let i = 0; i < 3; i++) assert.strictEqual((yield* postWebhook(body, bad)).status, 401)
        const before = yield* rateLimited
        const flooded = yield* hmacsOf(postWebhook(body, bad))
        assert.deepStrictEqual([flooded.result.status, flooded.hmacs], [429, 0])
        const refused = Schema.decodeUnknownSync(Schema.fromJsonString(Schema.Struct({ _tag: Schema.String, retryAfterSeconds: Schema.Int })))(flooded.result.text)
        assert.strictEqual(refused._tag, "TooManyBadSignatures")
        assert.include([1, 2], refused.retryAfterSeconds)
        // even a good signature waits for the window: nothing is checked
        const goodButBlocked = yield* hmacsOf(postWebhook(body, good))
        assert.deepStrictEqual([goodButBlocked.result.status, goodButBlocked.hmacs], [429, 0])
        assert.strictEqual((yield* rateLimited) - before, 2)
        // another route from the same address is not held back
        assert.strictEqual((yield* deliver(SECRET_A, envelope(entry("waba", lead(PN2, wamid()))), route(pn2))).status, 200)
        // the window ends
        yield* Effect.sleep("2100 millis")
        assert.strictEqual((yield* postWebhook(body, good)).status, 200)
      }))
  })
})
