/**
 * `npm run eval` on the recorded model answers (deterministic): every scripted turn does what it
 * must — no false handoff, no wrong message sent, each rule-breaking first draft caught.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { loadConversations } from "../../scripts/eval/fixtures.ts"
import { runEval } from "../../scripts/eval/run.ts"

describe("scored eval (recorded answers)", () => {
  it.live("every scripted turn passes", () =>
    Effect.gen(function*() {
      const conversations = loadConversations()
      assert.isAtLeast(conversations.length, 1)
      const { scorecard } = yield* runEval(conversations, { mode: "replay", record: false })
      assert.deepStrictEqual(scorecard.failures, [])
      assert.strictEqual(scorecard.passed, scorecard.turns)
      assert.strictEqual(scorecard.falseHandoffs.count, 0)
      assert.strictEqual(scorecard.wrongMessagesSent, 0)
    }), { timeout: 120_000 })
})
