/**
 * Migrations against a database: apply (in one transaction, under a table lock, so concurrent
 * starts are safe), status, and the check a start without migrating makes. On top of the
 * Migrator (which runs only ids above the latest applied one): a file numbered below the latest
 * applied migration that was never applied is an error, not silently skipped (an empty file,
 * keeping an unused id, may stay unapplied).
 */
import { NodeServices } from "@effect/platform-node"
import { PgMigrator } from "@effect/sql-pg"
import { Effect, Schema } from "effect"
import { Migrator, SqlClient } from "effect/sql"
import { type MigrationFile, readMigrationFiles, resolved } from "./sqlFiles.ts"
import { decodeRows } from "./rows.ts"
import { projectPath } from "../config/projectRoot.ts"

const foundRows = decodeRows(Schema.Struct({ found: Schema.Boolean }))

export const MIGRATIONS_DIR = projectPath("migrations")
export const MIGRATIONS_TABLE = "schema_migrations"

export interface AppliedMigration {
  readonly id: number
  readonly name: string
  readonly appliedAt: Date
}

const AppliedRows = Schema.Array(Schema.Struct({ migration_id: Schema.Int, name: Schema.String, created_at: Schema.Date }))

/** What the database has recorded (none before the first migration). */
export const appliedMigrations = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  // whatever name transforms the client has: these are the Migrator's own snake_case columns
  const [table] = yield* sql`SELECT to_regclass(${MIGRATIONS_TABLE}) IS NOT NULL AS found`.withoutTransform.pipe(foundRows)
  if (table?.found !== true) return []
  const rows = yield* sql`SELECT migration_id, name, created_at FROM ${sql(MIGRATIONS_TABLE)} ORDER BY migration_id`.withoutTransform.pipe(
    Effect.flatMap(Schema.decodeUnknownEffect(AppliedRows)),
    Effect.orDie
  )
  return rows.map((r): AppliedMigration => ({ id: r.migration_id, name: r.name, appliedAt: r.created_at }))
})

const fileLabel = (f: MigrationFile) => `migrations/${f.file}`

/** A file with statements, below the latest applied id, never applied: the Migrator would skip it. */
export const checkOrder = (files: ReadonlyArray<MigrationFile>, applied: ReadonlyArray<AppliedMigration>) => {
  const latest = applied.reduce((max, m) => Math.max(max, m.id), 0)
  const done = new Set(applied.map((m) => m.id))
  const skipped = files.find((f) => f.id < latest && !done.has(f.id) && f.statements.length > 0)
  return skipped === undefined
    ? Effect.void
    : Effect.fail(
      new Migrator.MigrationError({
        kind: "BadState",
        message: `${fileLabel(skipped)} is numbered below the latest applied migration (${latest}) and was never applied: renumber it ${
          String(latest + 1).padStart(4, "0")
        } or above`
      })
    )
}

/** The Migrator's loader: the checked files, checked again against what the locked table says. */
const loader = (dir: string) =>
  Effect.gen(function*() {
    const files = yield* readMigrationFiles(dir)
    yield* checkOrder(files, yield* Effect.orDie(appliedMigrations))
    return files.map(resolved)
  })

/** Applies what is pending in `dir`; the ids and names applied now. */
export const migrateDirectory = (dir: string) =>
  PgMigrator.run({ loader: loader(dir), table: MIGRATIONS_TABLE }).pipe(
    Effect.provide(NodeServices.layer),
    Effect.tap((ran) =>
      ran.length > 0
        ? Effect.logInfo("migrations applied").pipe(Effect.annotateLogs({ migrations: ran.map(([id, name]) => `${id}_${name}`) }))
        : Effect.void
    )
  )

/** Applies what is pending in `migrations/`. */
export const migrate = migrateDirectory(MIGRATIONS_DIR)

export interface MigrationStatus {
  readonly id: number
  readonly name: string
  /** applied (when), pending, or applied by newer code (no file here: a rollback) */
  readonly state: { readonly _tag: "Applied"; readonly at: Date } | { readonly _tag: "Pending" } | { readonly _tag: "NoFile" }
}

export const migrationStatus = Effect.gen(function*() {
  const files = yield* readMigrationFiles(MIGRATIONS_DIR)
  const applied = yield* Effect.orDie(appliedMigrations)
  const byId = new Map(applied.map((m) => [m.id, m]))
  const rows: Array<MigrationStatus> = files.map((f) => {
    const a = byId.get(f.id)
    return { id: f.id, name: f.name, state: a === undefined ? { _tag: "Pending" } : { _tag: "Applied", at: a.appliedAt } }
  })
  for (const a of applied) if (!files.some((f) => f.id === a.id)) rows.push({ id: a.id, name: a.name, state: { _tag: "NoFile" } })
  return { files, applied, rows: rows.sort((a, b) => a.id - b.id) }
}).pipe(Effect.provide(NodeServices.layer))

export class MigrationsPending extends Schema.TaggedError<MigrationsPending>()("MigrationsPending", {
  pending: Schema.Array(Schema.String)
}) {
  override get message() {
    return `The database lacks ${this.pending.length} migration(s) (${this.pending.join(", ")}) and MIGRATE_ON_START=false: run \`npm run migrate\` first`
  }
}

/** MIGRATE_ON_START=false: start only on a database that has every migration of this code. */
export const requireMigrated = Effect.gen(function*() {
  const { files, applied } = yield* migrationStatus
  yield* checkOrder(files, applied)
  const latest = applied.reduce((max, m) => Math.max(max, m.id), 0)
  const pending = files.filter((f) => f.id > latest && f.statements.length > 0)
  if (pending.length > 0) return yield* new MigrationsPending({ pending: pending.map((f) => `${String(f.id).padStart(4, "0")}_${f.name}`) })
})
