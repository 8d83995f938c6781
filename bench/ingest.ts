/**
 * Webhook ingest benchmark: 50 connections of signed 1–2 KB deliveries against
 *   (a) a bare node:http server that only verifies the HMAC, and
 *   (b) our POST /webhooks/whatsapp (the real service process, Postgres inbox, consumers on),
 * in the same run. Prints req/s, p50/p99 and the ratio, checks that every acked delivery is
 * in webhook_inbox, and writes bench/results/ingest.json. Only 127.0.0.1 is used.
 *   node bench/ingest.ts [seconds per run = 5] [rounds = 3]
 */
import { spawn } from "node:child_process"
import { once } from "node:events"
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import autocannon from "autocannon"
import { Effect, Exit, Redacted, Scope } from "effect"
import { SqlClient } from "effect/sql"
import { ensureDatabase, withDatabase } from "../src/db/admin.ts"
import { pgClientLayer } from "../src/db/Database.ts"
import { startEmbeddedPostgres } from "../src/db/embedded.ts"
import { startService } from "../test/support/processes.ts"
import { change, entry, envelope, signed, text, wamid } from "../test/support/webhooks.ts"

const seconds = Number(process.argv[2] ?? 5)
const rounds = Number(process.argv[3] ?? 3)
const SECRET = "bench-secret"
const PNID = "109000000000001"

// 500 distinct signed deliveries of 1–2 KB (a few messages each, non-ASCII included)
const deliveries = Array.from({ length: 500 }, (_, i) => {
  const from = `1555${String(1_000_000 + (i % 97)).padStart(7, "0")}`
  const words = "Olá! Tem o modelo azul no tamanho 42? Preço com entrega / envio para Lisboa, por favor. "
  const messages = Array.from({ length: 2 + (i % 3) }, (_, k) => text(from, words.repeat(2 + ((i + k) % 4)), { id: wamid(`b${i}`) }))
  const { body, signature } = signed(SECRET, envelope(entry("waba", change({ phoneNumberId: PNID, contacts: [{ waId: from, name: `Lead ${i}` }], messages }))))
  return { body: Buffer.from(body), signature }
})
const sizes = deliveries.map((d) => d.body.length)

const load = async (url: string) => {
  let next = 0
  const result = await autocannon({
    url,
    connections: 50,
    duration: seconds,
    method: "POST",
    requests: [{
      setupRequest: (req) => {
        const d = deliveries[next++ % deliveries.length] ?? deliveries[0]
        return { ...req, body: d?.body, headers: { "content-type": "application/json", "x-hub-signature-256": d?.signature ?? "" } }
      }
    }]
  })
  return {
    reqPerSec: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    ok: result["2xx"],
    non2xx: result.non2xx,
    errors: result.errors
  }
}

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0
type Run = Awaited<ReturnType<typeof load>>
const summarize = (runs: ReadonlyArray<Run>) => ({
  reqPerSec: median(runs.map((r) => r.reqPerSec)),
  p50Ms: median(runs.map((r) => r.p50Ms)),
  p99Ms: median(runs.map((r) => r.p99Ms)),
  ok: runs.reduce((n, r) => n + r.ok, 0),
  non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
  errors: runs.reduce((n, r) => n + r.errors, 0),
  runs: runs.map((r) => r.reqPerSec)
})
const row = (name: string, r: { reqPerSec: number; p50Ms: number; p99Ms: number }) =>
  `${name.padEnd(40)} ${String(r.reqPerSec).padStart(7)} req/s   p50 ${r.p50Ms} ms   p99 ${r.p99Ms} ms`

const scope = Effect.runSync(Scope.make())
const dataDir = await mkdtemp(join(tmpdir(), "wa-bench-ingest-"))
try {
  // (a) the baseline, in its own process like the service
  const raw = spawn(process.execPath, ["bench/ingest/rawServer.ts"], { env: { ...process.env, BENCH_SECRET: SECRET }, stdio: ["ignore", "pipe", "inherit"] })
  const [line]: Array<unknown> = await once(raw.stdout, "data")
  const rawUrl = `http://127.0.0.1:${Number(/listening (\d+)/.exec(String(line))?.[1])}/webhooks/whatsapp`
  const adminUrl = await Effect.runPromise(startEmbeddedPostgres({ dataDir, persistent: false }).pipe(Scope.provide(scope)))
  await Effect.runPromise(ensureDatabase(adminUrl, "wa_bench"))
  const dbUrl = withDatabase(adminUrl, "wa_bench")
  const count = Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ n: number }>`SELECT count(*)::int AS n FROM webhook_inbox`).pipe(
    Effect.map((rows) => rows[0]?.n ?? 0),
    Effect.provide(pgClientLayer(dbUrl))
  )
  await load(rawUrl) // warm-up

  // (b) the service, on its own embedded PostgreSQL: role `all` (inbox consumers processing
  // every delivery in the same process) and role `api` (intake only); rounds alternate with
  // (a) so both see the same machine load, and the medians are compared
  const measure = async (role: "all" | "api") => {
    const service = await startService({
      DATABASE_URL: Redacted.value(dbUrl),
      DATA_DIR: dataDir,
      LOG_LEVEL: "error",
      WHATSAPP_PHONE_NUMBER_ID: PNID,
      WHATSAPP_APP_SECRET: SECRET,
      ...(role === "api" ? { ROLE: "api", INTERNAL_SECRET: "bench-internal-secret" } : {})
    })
    await service.waitHealthy(60_000)
    const url = `http://127.0.0.1:${service.port}/webhooks/whatsapp`
    await load(url) // warm-up
    const base: Array<Run> = []
    const ours: Array<Run> = []
    const before = await Effect.runPromise(count)
    for (let round = 0; round < rounds; round++) {
      base.push(await load(rawUrl))
      ours.push(await load(url))
    }
    const stored = (await Effect.runPromise(count)) - before
    await service.stop("SIGTERM")
    const b = summarize(base)
    const o = summarize(ours)
    return {
      baseline: b,
      service: { ...o, storedInInbox: stored, everyAckStored: stored >= o.ok },
      ratio: Number((o.reqPerSec / b.reqPerSec).toFixed(3))
    }
  }
  const modes = { all: await measure("all"), api: await measure("api") }
  raw.kill("SIGTERM")

  const result = {
    connections: 50,
    secondsPerRun: seconds,
    rounds,
    bodyBytes: { min: Math.min(...sizes), max: Math.max(...sizes) },
    ...modes,
    note: "ROLE=all: the service keeps processing its inbox backlog during the baseline rounds, which slows (a); ROLE=api is the clean comparison",
    node: process.version
  }
  console.log(`signed ${result.bodyBytes.min}–${result.bodyBytes.max} B webhooks, 50 connections, ${rounds} alternating rounds of ${seconds} s (medians)`)
  for (const role of ["all", "api"] as const) {
    const m = modes[role]
    console.log(row("(a) node:http + HMAC only", m.baseline))
    console.log(row(`(b) POST /webhooks/whatsapp, ROLE=${role}`, m.service))
    console.log(`    ratio ${m.ratio}; acked ${m.service.ok}, in inbox ${m.service.storedInInbox} (every ack stored: ${m.service.everyAckStored}); non-2xx ${m.service.non2xx}, errors ${m.service.errors}`)
  }
  await mkdir("bench/results", { recursive: true })
  await writeFile("bench/results/ingest.json", JSON.stringify(result, null, 2))
} finally {
  await Effect.runPromise(Scope.close(scope, Exit.void))
  await rm(dataDir, { recursive: true, force: true })
}
