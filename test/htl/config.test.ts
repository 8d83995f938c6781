/** HTL and LLM settings from the environment. */
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect } from "effect"
import { AppConfig } from "../../src/config/AppConfig.ts"

const load = (env: Record<string, string>) =>
  Effect.provide(AppConfig, AppConfig.layerFrom([])).pipe(
    Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ DATA_DIR: ".data/test", ...env })))
  )

describe("HTL configuration", () => {
  it.effect("defaults: speculative auto, confidence 0.5, strict json_schema output", () =>
    Effect.gen(function*() {
      const c = yield* load({})
      assert.deepStrictEqual(c.htl, { speculative: "auto", minConfidence: 0.5 })
      assert.strictEqual(c.llm.responseFormat, "json_schema")
    }))

  it.effect("reads HTL_SPECULATIVE, HTL_MIN_CONFIDENCE and LLM_RESPONSE_FORMAT", () =>
    Effect.gen(function*() {
      const c = yield* load({ HTL_SPECULATIVE: "OFF", HTL_MIN_CONFIDENCE: "0.7", LLM_RESPONSE_FORMAT: "json_object" })
      assert.deepStrictEqual(c.htl, { speculative: "off", minConfidence: 0.7 })
      assert.strictEqual(c.llm.responseFormat, "json_object")
    }))

  it.effect("a bad value names its variable", () =>
    Effect.gen(function*() {
      for (const [variable, value] of [["HTL_SPECULATIVE", "maybe"], ["HTL_MIN_CONFIDENCE", "2"], ["LLM_RESPONSE_FORMAT", "xml"]] as const) {
        const e = yield* Effect.flip(load({ [variable]: value }))
        assert.strictEqual(e.variable, variable)
      }
    }))
})
