/**
 * The guardrails on the realistic corpus (test/fixtures/guardrails, 8 languages), both ways: every
 * correct reply passes every check (a false flag is a lead left without an answer), and every
 * rule-breaking draft is caught for the rule it breaks. The language the turn picks for the reply
 * must be one the correct reply is written in.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { fastTextScorer } from "../../src/htl/policy/detector.ts"
import { checkDraft, guardrailContext } from "../../src/htl/policy/guardrails.ts"
import { evidenceOf, replyLanguage } from "../../src/htl/policy/replyLanguage.ts"
import { emptyExcerpt } from "../../src/knowledge/types.ts"
import { type CorpusCase, loadCorpus } from "../support/guardrailCorpus.ts"

const corpus = loadCorpus()
const groups = [...new Set(corpus.map((c) => c.group))]

const run = (scorer: Effect.Success<typeof fastTextScorer>, c: CorpusCase) => {
  const target = replyLanguage(scorer, evidenceOf(c.context))
  return { target, violations: checkDraft(c.text, guardrailContext(c.context, emptyExcerpt, target, scorer)) }
}

describe("guardrails on the realistic corpus", () => {
  it("has the size the README states", () => {
    assert.isAtLeast(corpus.filter((c) => c.language !== null).length, 300)
    assert.isAtLeast(corpus.filter((c) => c.rule !== null).length, 150)
    for (const rule of ["max_words", "max_questions", "language", "claims_human", "guarantee", "unlisted_price"] as const) {
      assert.isAtLeast(corpus.filter((c) => c.rule === rule).length, 20, rule)
    }
    assert.sameMembers(groups, ["de", "en", "es", "fr", "hi-Latn", "id", "it", "pt"])
    assert.strictEqual(new Set(corpus.map((c) => c.id)).size, corpus.length, "ids are unique")
  })

  for (const group of groups) {
    it.effect(`${group}: correct replies pass, in a language the lead wrote in; violating drafts are caught`, () =>
      Effect.gen(function*() {
        const scorer = yield* fastTextScorer
        const falseFlags: Array<string> = []
        const missed: Array<string> = []
        const wrongLanguage: Array<string> = []
        for (const c of corpus.filter((c) => c.group === group)) {
          const { target, violations } = run(scorer, c)
          if (c.language !== null) {
            if (violations.length > 0) falseFlags.push(`${c.id}: ${violations.map((v) => `${v.rule} (${v.detail})`).join("; ")}`)
            if (!target.accepted.includes(c.language)) wrongLanguage.push(`${c.id}: asked for ${target.code}, reply is ${c.language}`)
          } else if (!violations.some((v) => v.rule === c.rule)) {
            missed.push(`${c.id} (${c.rule}): found ${violations.map((v) => v.rule).join(", ") || "nothing"}`)
          }
        }
        assert.deepStrictEqual(falseFlags, [], "correct replies held back")
        assert.deepStrictEqual(missed, [], "violations let through")
        assert.deepStrictEqual(wrongLanguage, [], "reply language")
      }))
  }
})
