/**
 * `npm run migrate`: applies the pending migrations (one transaction, under a table lock: safe
 * beside running services) and prints the status of every migration. For deploy pipelines, with
 * MIGRATE_ON_START=false on the services. `npm run migrate -- --status` prints the status only and
 * exits 1 while any migration is pending. Database: DATABASE_URL, else (development) the
 * embedded one of DATA_DIR (src/db/toolDatabase.ts).
 */
import { Console, Effect } from "effect"
import { migrate, migrationStatus } from "../src/db/migrations.ts"
import { ToolDatabaseLive } from "../src/db/toolDatabase.ts"
import { runCli, UsageError } from "./cli.ts"

const args = process.argv.slice(2)
const statusOnly = args.includes("--status")
const unknown = args.filter((a) => a !== "--status")

const id = (n: number) => String(n).padStart(4, "0")

const program = Effect.gen(function*() {
  if (unknown.length > 0) return yield* Effect.fail(new UsageError(`unknown argument ${unknown[0]}; usage: npm run migrate [-- --status]`))
  const ran = statusOnly ? [] : yield* migrate
  const now = new Set(ran.map(([n]) => n))
  const { rows } = yield* migrationStatus
  for (const row of rows) {
    const state = row.state._tag === "Pending"
      ? "pending"
      : row.state._tag === "NoFile"
      ? "applied, no file here (newer code applied it)"
      : now.has(row.id)
      ? "applied now"
      : `applied ${row.state.at.toISOString()}`
    yield* Console.log(`${id(row.id)}_${row.name.padEnd(32)} ${state}`)
  }
  const pending = rows.filter((r) => r.state._tag === "Pending")
  const latest = rows.filter((r) => r.state._tag !== "Pending").reduce((max, r) => Math.max(max, r.id), 0)
  yield* Console.log(
    pending.length === 0
      ? `up to date: ${rows.length} migrations, latest ${id(latest)}${ran.length > 0 ? `; ${ran.length} applied now` : ""}`
      : `${pending.length} pending (run npm run migrate)`
  )
  if (pending.length > 0) return yield* Effect.fail(new UsageError(`${pending.length} migration(s) pending`))
}).pipe(Effect.provide(ToolDatabaseLive))

runCli(program)
