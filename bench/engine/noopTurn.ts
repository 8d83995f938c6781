/**
 * bench/engine.ts's baseline: a no-op engine. At RATE turns a second (open loop, each after
 * DELAY_MS, like a debounce), it makes a turn's remote calls and nothing else — Analyze, Decide,
 * Generate on the fake LLM (LLM_URL, through the same `openai` client the service uses), the
 * reply and the read receipt on the fake Graph API (GRAPH_URL), then Summarize — and measures
 * each turn like the service does: wall time to the reply sent less the time in those calls.
 * Prints one JSON array, a `{ engine }` (ms) per turn.
 */
import OpenAI from "openai"

const turns = Number(process.env.TURNS ?? 100)
const rate = Number(process.env.RATE ?? 20)
const delayMs = Number(process.env.DELAY_MS ?? 200)
const client = new OpenAI({ apiKey: "sk-fake", baseURL: process.env.LLM_URL, maxRetries: 0 })
const graphUrl = process.env.GRAPH_URL ?? ""

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)))

const turn = async (i: number) => {
  let waited = 0
  const timed = async <A>(call: () => Promise<A>) => {
    const t = performance.now()
    try {
      return await call()
    } finally {
      waited += performance.now() - t
    }
  }
  const model = (step: string) =>
    timed(() =>
      client.chat.completions.create({
        model: "fake",
        messages: [{ role: "system", content: `Task: ${step}` }, { role: "user", content: `lead ${i}: how much is the premium plan?` }],
        response_format: { type: "json_schema", json_schema: { name: step, strict: true, schema: { type: "object" } } }
      })
    )
  const graph = (body: unknown) =>
    timed(async () => {
      const res = await fetch(`${graphUrl}/109000000000999/messages`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json", authorization: "Bearer t" } })
      return res.json()
    })
  const started = performance.now()
  await model("analyze")
  await model("decide")
  await model("generate")
  await graph({ messaging_product: "whatsapp", to: String(i), type: "text", text: { body: "reply" } })
  const engine = performance.now() - started - waited
  await graph({ messaging_product: "whatsapp", status: "read", message_id: `wamid.${i}` })
  await model("summarize")
  return { engine }
}

const t0 = performance.now()
const results = await Promise.all(Array.from({ length: turns }, async (_, k) => {
  await sleep(t0 + (k * 1000) / rate + delayMs - performance.now())
  return turn(k)
}))
console.log(JSON.stringify(results))
