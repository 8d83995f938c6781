/**
 * Migrations are plain `NNNN_name.sql` files. `@effect/sql-pg` sends one statement per
 * query (extended protocol), so each file is split into statements first.
 */
import { Effect, FileSystem, Path } from "effect"
import { Migrator, SqlClient } from "effect/sql"

/** Splits SQL text on `;` outside quotes, dollar-quoted bodies and comments. */
export const splitSqlStatements = (text: string): Array<string> => {
  const out: Array<string> = []
  let current = ""
  let i = 0
  while (i < text.length) {
    const ch = text[i]
    const rest = text.slice(i)
    const skip = (end: string, from: number) => {
      const at = text.indexOf(end, from)
      const stop = at === -1 ? text.length : at + end.length
      current += text.slice(i, stop)
      i = stop
    }
    if (rest.startsWith("--")) {
      const at = text.indexOf("\n", i)
      i = at === -1 ? text.length : at + 1
      current += "\n"
    } else if (rest.startsWith("/*")) {
      const at = text.indexOf("*/", i + 2)
      i = at === -1 ? text.length : at + 2
      current += " "
    } else if (ch === "'" || ch === "\"") {
      // a doubled quote inside the literal reads as two adjacent literals: same result
      skip(ch, i + 1)
    } else if (ch === "$") {
      const tag = /^\$[A-Za-z_]*\$/.exec(rest)
      if (tag === null) {
        current += ch
        i += 1
      } else skip(tag[0], i + tag[0].length)
    } else if (ch === ";") {
      if (current.trim().length > 0) out.push(current.trim())
      current = ""
      i += 1
    } else {
      current += ch
      i += 1
    }
  }
  if (current.trim().length > 0) out.push(current.trim())
  return out
}

export interface MigrationFile {
  readonly id: number
  readonly name: string
  /** `0007_conversation_language.sql` */
  readonly file: string
  readonly statements: ReadonlyArray<string>
}

const badState = (message: string) => new Migrator.MigrationError({ kind: "BadState", message })

/**
 * The `NNNN_name.sql` files of a directory, in id order. Ids run from 1 without gaps and without
 * duplicates (an id nobody needs stays taken by an empty file), so a migration lost in a merge or
 * numbered twice stops start-up instead of being skipped. Any other `.sql` file is an error too.
 */
export const readMigrationFiles = (dir: string): Effect.Effect<ReadonlyArray<MigrationFile>, Migrator.MigrationError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const files: Array<MigrationFile> = []
    for (const file of (yield* fs.readDirectory(dir)).filter((f) => f.endsWith(".sql")).sort()) {
      const match = /^(\d+)_([A-Za-z0-9_]+)\.sql$/.exec(file)
      if (match === null) return yield* badState(`migrations/${file}: not a migration file name (NNNN_name.sql, letters, digits and _)`)
      const statements = splitSqlStatements(yield* fs.readFileString(path.join(dir, file)))
      files.push({ id: Number(match[1]), name: match[2] ?? file, file, statements })
    }
    files.sort((a, b) => a.id - b.id)
    for (const [i, f] of files.entries()) {
      const previous = files[i - 1]
      if (previous !== undefined && previous.id === f.id) {
        return yield* badState(`migrations/${previous.file} and migrations/${f.file} have the same id ${f.id}: renumber the newer one`)
      }
      const expected = (previous?.id ?? 0) + 1
      if (f.id !== expected) {
        return yield* badState(
          `migrations/: no migration ${String(expected).padStart(4, "0")} before ${f.file}; ids run without gaps (renumber it, or keep the id with an empty file)`
        )
      }
    }
    return files
  }).pipe(Effect.catchTag("PlatformError", (cause) =>
    Effect.fail(new Migrator.MigrationError({ kind: "Failed", message: `could not read migrations in ${dir}`, cause }))
  ))

/** A file as the Migrator runs it: its statements, one by one. */
export const resolved = (f: MigrationFile): Migrator.ResolvedMigration => [
  f.id,
  f.name,
  Effect.succeed(Effect.flatMap(SqlClient.SqlClient, (sql) => Effect.forEach(f.statements, (statement) => sql.unsafe(statement), { discard: true })))
]
