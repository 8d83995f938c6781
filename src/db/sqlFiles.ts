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

/** A Migrator loader over a directory of `NNNN_name.sql` files, in id order. */
export const fromSqlDirectory = (dir: string): Migrator.Loader<FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const migrations: Array<Migrator.ResolvedMigration> = []
    for (const file of yield* fs.readDirectory(dir)) {
      const match = /^(\d+)_(.+)\.sql$/.exec(file)
      if (match === null) continue
      const statements = splitSqlStatements(yield* fs.readFileString(path.join(dir, file)))
      const run = Effect.flatMap(SqlClient.SqlClient, (sql) =>
        Effect.forEach(statements, (statement) => sql.unsafe(statement), { discard: true }))
      migrations.push([Number(match[1]), match[2] ?? file, Effect.succeed(run)])
    }
    return migrations.sort(([a], [b]) => a - b)
  }).pipe(Effect.mapError((cause) =>
    new Migrator.MigrationError({ kind: "Failed", message: `could not read migrations in ${dir}`, cause })
  ))
