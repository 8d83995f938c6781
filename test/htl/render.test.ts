/** Shared prompt pieces (src/htl/prompts/render.ts). */
import { assert, describe, it } from "@effect/vitest"
import { evidenceOf } from "../../src/htl/policy/replyLanguage.ts"
import { clip, conversationBlock, localTime, SHOWN_CHARS, shownBurst } from "../../src/htl/prompts/render.ts"
import { context, lead, profile } from "../support/htlFixtures.ts"

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

describe("what a turn reads of a long burst", () => {
  it("the reply language is decided on the burst the prompts show: the newest messages within their budget, each clipped as shown", () => {
    const long = (n: number) => `Message ${n}: we run a bakery with four people and want to know what the premium plan includes. `.repeat(6)
    const burst = [lead("Hola, ¿cuánto cuesta el plan premium?", 1), ...[2, 3, 4, 5].map((n) => lead(long(n), n))]
    const ctx = context({ burst })
    const evidence = evidenceOf(ctx)
    assert.deepStrictEqual(evidence.burst, [2, 3, 4, 5].map((n) => clip(long(n), SHOWN_CHARS)))
    const block = conversationBlock(ctx)
    assert.notInclude(block, "Hola") // beyond the budget: the model does not see it, the language check does not read it
    for (const text of evidence.burst) assert.include(block, text.slice(0, 200))
    assert.deepStrictEqual(shownBurst(burst), burst.slice(1))
  })
})
