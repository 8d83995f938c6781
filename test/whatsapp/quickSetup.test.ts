/** Env quick setup binds its number to the default organization, and never moves another organization's number. */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { SecretBox } from "../../src/crypto/SecretBox.ts"
import { OrganizationId } from "../../src/domain/ids.ts"
import { Channels } from "../../src/whatsapp/Channels.ts"
import { ensureDefaultOrganization, QuickSetupLive } from "../../src/whatsapp/QuickSetup.ts"
import { testConfig } from "../support/app.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

const Base = Channels.layer.pipe(
  Layer.provideMerge(SecretBox.layer),
  Layer.provideMerge(testConfig()),
  Layer.provideMerge(TestDatabase.withClient)
)

/** Runs the quick setup as a start-up would, with `env`. */
const quickSetup = (env: Record<string, string>) =>
  Layer.build(QuickSetupLive.pipe(Layer.provide(testConfig(env)))).pipe(Effect.scoped)

describe("quick setup", () => {
  it.layer(Base, { excludeTestServices: true, timeout: "60 seconds" })((it) => {
    it.effect("binds the number to the default organization, and updates it on the next start", () =>
      Effect.gen(function*() {
        const channels = yield* Channels
        yield* quickSetup({ WHATSAPP_PHONE_NUMBER_ID: "109000000000501", WHATSAPP_APP_SECRET: "s" })
        const first = yield* channels.findByPhoneNumberId("109000000000501").pipe(Effect.flatMap(Effect.fromOption))
        assert.strictEqual(first.organizationId, yield* ensureDefaultOrganization())
        assert.strictEqual(first.transport, "sandbox")
        yield* quickSetup({ WHATSAPP_PHONE_NUMBER_ID: "109000000000501", WHATSAPP_ACCESS_TOKEN: "tok", WHATSAPP_APP_SECRET: "s" })
        const second = yield* channels.findByPhoneNumberId("109000000000501").pipe(Effect.flatMap(Effect.fromOption))
        assert.strictEqual(second.id, first.id)
        assert.strictEqual(second.transport, "cloud")
      }))

    it.effect("a number of another organization is not moved: start-up stops with one line", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const [row] = yield* sql<{ id: string }>`INSERT INTO organizations (name, invite_code) VALUES ('Owner', 'owner-1') RETURNING id`
        const owner = OrganizationId.make(row?.id ?? "")
        const channels = yield* Channels
        const theirs = yield* channels.create({
          organizationId: owner, phoneNumberId: "109000000000502", transport: "cloud", accessToken: Redacted.make("their-token")
        })
        const error = yield* Effect.flip(quickSetup({ WHATSAPP_PHONE_NUMBER_ID: "109000000000502", WHATSAPP_ACCESS_TOKEN: "mine", WHATSAPP_APP_SECRET: "s" }))
        assert.strictEqual(error._tag, "QuickSetupRefused")
        assert.strictEqual(
          error.message,
          "WHATSAPP_PHONE_NUMBER_ID 109000000000502 is connected to another organization; quick setup never moves a number (disconnect it there, or unset WHATSAPP_PHONE_NUMBER_ID)"
        )
        const after = yield* channels.findByPhoneNumberId("109000000000502").pipe(Effect.flatMap(Effect.fromOption))
        assert.strictEqual(after.id, theirs.id)
        assert.strictEqual(after.organizationId, owner)
        assert.strictEqual(Option.map(after.accessToken, Redacted.value).pipe(Option.getOrNull), "their-token")
      }))
  })
})
