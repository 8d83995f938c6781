/** When the engine gives memory back (src/conversations/memoryRelease.ts): after a wave of passivated actors only. */
import { assert, describe, it } from "@effect/vitest"
import { releaseDue, WAVE } from "../../src/conversations/memoryRelease.ts"

describe("releaseDue", () => {
  it("after a wave: many actors passivated since the most held, few left", () => {
    assert.isTrue(releaseDue(4_800, 0))
    assert.isTrue(releaseDue(4_800, 1_200))
    assert.isTrue(releaseDue(WAVE, 0))
  })
  it("not while most are still alive, nor for a small wave, nor at steady traffic", () => {
    assert.isFalse(releaseDue(4_800, 1_201), "more than a quarter left")
    assert.isFalse(releaseDue(WAVE - 1, 0), "too few to be worth a pause")
    assert.isFalse(releaseDue(300, 280))
    assert.isFalse(releaseDue(0, 0))
  })
})
