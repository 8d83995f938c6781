/** The dashboard's SQL helpers: unique violations, ISO dates, keyset cursors and pages (rows: src/db/rows.ts). */
import { Schema } from "effect"
import type { SqlError } from "effect/sql"

export const isUniqueViolation = (error: SqlError.SqlError) => error.reason._tag === "UniqueViolation"

export const iso = (date: Date) => date.toISOString()
export const isoOrNull = (date: Date | null) => date === null ? null : date.toISOString()

/** Keyset cursors: the sort key as Postgres text (microseconds kept) plus the id, base64url JSON. */
const CursorJson = Schema.fromJsonString(Schema.Struct({ k: Schema.String, id: Schema.String }))
const encodeCursorJson = Schema.encodeSync(CursorJson)
const decodeCursorJson = Schema.decodeUnknownOption(CursorJson)

export const encodeCursor = (k: string, id: string) => Buffer.from(encodeCursorJson({ k, id })).toString("base64url")

const PG_TIMESTAMPTZ = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2}){0,2}$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** undefined: no cursor; null: not a cursor this API made (the caller answers 400). */
export const decodeCursor = (cursor: string | undefined) => {
  if (cursor === undefined || cursor === "") return undefined
  const decoded = decodeCursorJson(Buffer.from(cursor, "base64url").toString("utf8"))
  return decoded._tag === "Some" && PG_TIMESTAMPTZ.test(decoded.value.k) && UUID.test(decoded.value.id) ? decoded.value : null
}

/** `limit` rows were asked; `limit + 1` were fetched: the extra one means there is a next page. */
export const page = <Row extends { readonly id: string; readonly cursorKey: string }, A>(
  rows: ReadonlyArray<Row>,
  limit: number,
  toItem: (row: Row) => A
) => {
  const items = rows.slice(0, limit)
  const last = items[items.length - 1]
  return {
    items: items.map(toItem),
    next_cursor: rows.length > limit && last !== undefined ? encodeCursor(last.cursorKey, last.id) : null
  }
}

export const DEFAULT_LIMIT = 20
