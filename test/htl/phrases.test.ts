/** Word boundaries of the guardrails' patterns (unicodeWords), on the scripts and marks leads write. */
import { assert, describe, it } from "@effect/vitest"
import { HUMAN_REQUESTS } from "../../src/htl/policy/asksForHuman.ts"
import { GUARANTEES, HUMAN_CLAIMS } from "../../src/htl/policy/patterns.ts"
import { mayMatch, mayMatchAny, unicodeWords } from "../../src/htl/policy/phrases.ts"
import { loadCorpus } from "../support/guardrailCorpus.ts"

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

describe("mayMatch (the boundary-free prefilter)", () => {
  const human = unicodeWords(/\bhumano?\b/iu)
  it("says no only where the pattern cannot match", () => {
    assert.isFalse(mayMatch(human, "a person, please"))
    assert.isTrue(mayMatch(human, "inhumane"), "the words are there: the pattern decides")
    assert.isFalse(human.test("inhumane"))
    assert.isTrue(mayMatch(/\bnot made by unicodeWords\b/u, "anything"), "unknown patterns always run")
  })
  it("never rejects a text a pattern matches: every pattern, every corpus text and context message", () => {
    const texts = loadCorpus().flatMap((c) => [c.text, ...c.context.burst.map((m) => m.text), ...c.context.history.map((m) => m.text)])
    let matched = 0
    for (const p of [...HUMAN_REQUESTS, ...HUMAN_CLAIMS, ...GUARANTEES]) {
      for (const text of texts) {
        if (!p.test(text)) continue
        matched++
        assert.isTrue(mayMatch(p, text), `${p.source.slice(0, 60)} on ${text}`)
      }
    }
    assert.isAbove(matched, 20, "the corpus exercises the patterns")
  })
})

describe("mayMatchAny (one prefilter for a whole list)", () => {
  it("says no only where no pattern of the list can match: every corpus text and context message", () => {
    const texts = loadCorpus().flatMap((c) => [c.text, ...c.context.burst.map((m) => m.text), ...c.context.history.map((m) => m.text)])
    let matched = 0
    let rejected = 0
    for (const list of [HUMAN_REQUESTS, HUMAN_CLAIMS, GUARANTEES]) {
      for (const text of texts) {
        const any = list.some((p) => p.test(text))
        if (any) matched++
        if (!mayMatchAny(list, text)) {
          if (list === HUMAN_REQUESTS) rejected++
          assert.isFalse(any, `rejected ${text}`)
        }
      }
    }
    assert.isAbove(matched, 20, "the corpus exercises the lists")
    assert.isAbove(rejected, texts.length / 2, "and it rejects most texts outright (asking for a person is rare)")
  })
  it("a list with a pattern not made by unicodeWords always runs", () => {
    assert.isTrue(mayMatchAny([/\bnever\b/u], "anything"))
  })
})
