/**
 * Cluster-level chores on a maintenance connection: create a database (optionally from a
 * template) when missing, drop one. Used by the embedded default and the test harness.
 */
import { PgClient } from "@effect/sql-pg"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"

const quoteIdent = (name: string) => `"${name.replaceAll("\"", "\"\"")}"`

/** The same server URL with another database name. */
export const withDatabase = (url: Redacted.Redacted, database: string): Redacted.Redacted => {
  const u = new URL(Redacted.value(url))
  u.pathname = `/${encodeURIComponent(database)}`
  return Redacted.make(u.toString())
}

export const databaseName = (url: Redacted.Redacted): string =>
  decodeURIComponent(new URL(Redacted.value(url)).pathname.replace(/^\//, "")) || "postgres"

const onAdmin = <A, E>(adminUrl: Redacted.Redacted, f: (sql: SqlClient.SqlClient) => Effect.Effect<A, E>) =>
  Effect.flatMap(SqlClient.SqlClient, f).pipe(
    Effect.provide(PgClient.layer({ url: adminUrl, maxConnections: 1 }))
  )

export const ensureDatabase = (adminUrl: Redacted.Redacted, name: string, template?: string) =>
  onAdmin(adminUrl, (sql) =>
    Effect.gen(function*() {
      const found = yield* sql`SELECT 1 FROM pg_database WHERE datname = ${name}`
      if (found.length > 0) return false
      const from = template === undefined ? "" : ` TEMPLATE ${quoteIdent(template)}`
      yield* sql.unsafe(`CREATE DATABASE ${quoteIdent(name)}${from}`).pipe(
        // a concurrent creator won the race: that is fine
        Effect.catchIf((e) => String(e.cause).includes("already exists"), () => Effect.void)
      )
      return true
    }))

export const dropDatabase = (adminUrl: Redacted.Redacted, name: string) =>
  onAdmin(adminUrl, (sql) => sql.unsafe(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`))
