/** Shared prompt pieces (src/htl/prompts/render.ts). */
import { assert, describe, it } from "@effect/vitest"
import { localTime } from "../../src/htl/prompts/render.ts"
import { context, profile } from "../support/htlFixtures.ts"

describe("prompt pieces", () => {
  it("the time is the business's local time, each timezone its own (2026-01-15 10:11 UTC, a Thursday)", () => {
    const at = (timezone: string) => localTime(context({ profile: { ...profile, timezone } }))
    assert.strictEqual(at("Europe/Madrid"), "Thu 11:11 Europe/Madrid")
    assert.strictEqual(at("America/Sao_Paulo"), "Thu 07:11 America/Sao_Paulo")
    assert.strictEqual(at("Asia/Kolkata"), "Thu 15:41 Asia/Kolkata")
    assert.strictEqual(at("Europe/Madrid"), "Thu 11:11 Europe/Madrid") // a formatter made once is reused, not mixed up
    assert.strictEqual(at("Mars/Olympus_Mons"), "Thu 10:11 UTC") // an unknown zone: UTC, said so
    assert.strictEqual(at("Mars/Olympus_Mons"), "Thu 10:11 UTC")
  })
})
