/** Word boundaries of the guardrails' patterns (unicodeWords), on the scripts and marks leads write. */
import { assert, describe, it } from "@effect/vitest"
import { unicodeWords } from "../../src/htl/policy/phrases.ts"

describe("unicodeWords", () => {
  const human = unicodeWords(/\bhumano?\b/iu)
  it("a word ends at spaces, punctuation, emoji and the sentence marks of other scripts", () => {
    for (const text of ["a human", "HUMAN!", "human?", "¿humano?", "(human)", "human🙂", "human।", "human؟", "human،", "human;", "«humano»"]) {
      assert.isTrue(human.test(text), text)
    }
  })
  it("not inside a longer word, whatever its script or accents", () => {
    for (const text of ["humanity", "inhuman", "humanos", "humanó", "humané", "humanе" /* Cyrillic е */, "人human", "humanは", "human2", "ñhuman"]) {
      assert.isFalse(human.test(text), text)
    }
  })
  it("a decomposed accent belongs to its word", () => {
    assert.isFalse(human.test("humano\u0301"), "NFD ó after humano")
    assert.isTrue(unicodeWords(/\bcafe\u0301\b/u).test("un cafe\u0301, por favor"))
  })
})
