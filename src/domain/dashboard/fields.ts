/** Request field schemas with messages that say what is wrong (the path names the field). */
import { Schema } from "effect"

const E164 = /^\+[1-9][0-9]{6,14}$/
const EMAIL = /^\s*[^\s@]+@[^\s@]+\.[^\s@]+\s*$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export const Uuid = Schema.String.check(Schema.isPattern(UUID, { message: "must be a UUID" }))

export const Phone = Schema.String.check(
  Schema.isPattern(E164, { message: "must be a phone number in E.164 format, e.g. +14155550123" })
)

export const Email = Schema.String.check(
  Schema.isPattern(EMAIL, { message: "must be a valid email address" }),
  Schema.isMaxLength(254, { message: "must be at most 254 characters" })
)

/** Non-blank text of at most `max` characters. */
export const Text = (max: number) =>
  Schema.String.check(
    Schema.makeFilter((s: string) => s.trim().length > 0 ? undefined : "must not be empty"),
    Schema.isMaxLength(max, { message: `must be at most ${max} characters` })
  )

/** Text of at most `max` characters, empty allowed. */
export const Chars = (max: number) =>
  Schema.String.check(Schema.isMaxLength(max, { message: `must be at most ${max} characters` }))

/** A list of at most `max` items. */
export const ListOf = <S extends Schema.Top>(item: S, max: number) =>
  Schema.Array(item).check(Schema.isMaxLength(max, { message: `must have at most ${max} items` }))

/** Free-text search of list endpoints. */
export const Search = Schema.optional(Chars(200))

export const Password = Schema.String.check(
  Schema.isMinLength(8, { message: "must be at least 8 characters" }),
  Schema.isMaxLength(256, { message: "must be at most 256 characters" })
)

/** Page size of list endpoints (query string). */
export const Limit = Schema.optional(
  Schema.FiniteFromString.check(
    Schema.isInt({ message: "must be an integer" }),
    Schema.isBetween({ minimum: 1, maximum: 100 }, { message: "must be between 1 and 100" })
  )
)

/** Opaque; the ones this API makes are about 100 characters. */
export const Cursor = Schema.optional(Chars(512))

export const Page = <S extends Schema.Top>(item: S) =>
  Schema.Struct({ items: Schema.Array(item), next_cursor: Schema.NullOr(Schema.String) })

export const normalizeEmail = (email: string) => email.trim().toLowerCase()
