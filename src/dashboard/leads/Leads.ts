/**
 * Leads of the caller's organization. Phone numbers are E.164 and unique per organization among
 * live leads (409 otherwise). Delete is soft (`deleted_at`): conversations, messages and analytics
 * keep their history; the lead and its conversations disappear from lists and lookups, and the
 * phone number can be used again. Stage, intent and sentiment set by a person apply to the lead's
 * conversations as well.
 */
import { Context, Effect, Layer, Schema } from "effect"
import { SqlClient, type SqlError } from "effect/sql"
import type { Caller } from "../../domain/dashboard/auth.ts"
import { Conflict, NotFound, ValidationError } from "../../domain/dashboard/errors.ts"
import { normalizeEmail } from "../../domain/dashboard/fields.ts"
import type { CreateLeadPayload, Lead, LeadPage, LeadQuery, UpdateLeadPayload } from "../../domain/dashboard/leads.ts"
import { IntentLevel, Sentiment, Stage } from "../../domain/enums.ts"
import { decodeRows } from "../../db/rows.ts"
import { DEFAULT_LIMIT, decodeCursor, iso, isUniqueViolation, page } from "../paging.ts"

const LeadRow = Schema.Struct({
  id: Schema.String,
  cursorKey: Schema.String,
  phone: Schema.NullOr(Schema.String),
  name: Schema.NullOr(Schema.String),
  email: Schema.NullOr(Schema.String),
  company: Schema.NullOr(Schema.String),
  conversationStage: Stage,
  intentLevel: IntentLevel,
  userSentiment: Sentiment,
  createdAt: Schema.Date,
  updatedAt: Schema.Date
})
type LeadRow = typeof LeadRow.Type

const toLead = (r: LeadRow): Lead => ({
  id: r.id,
  phone: r.phone,
  name: r.name,
  email: r.email,
  company: r.company,
  conversation_stage: r.conversationStage,
  intent_level: r.intentLevel,
  user_sentiment: r.userSentiment,
  created_at: iso(r.createdAt),
  updated_at: iso(r.updatedAt)
})

const COLUMNS = "id, created_at::text AS cursor_key, phone, name, email, company, conversation_stage, intent_level, user_sentiment, created_at, updated_at"
const notFound = new NotFound({ message: "Lead not found" })
const phoneTaken = new Conflict({ message: "phone: another lead of this organization has this phone number" })
const badCursor = new ValidationError({ message: "cursor: is not a cursor returned by this list" })

const orConflict = <A>(effect: Effect.Effect<A, SqlError.SqlError>) =>
  Effect.catchTag(effect, "SqlError", (e) => isUniqueViolation(e) ? Effect.fail(phoneTaken) : Effect.die(e))

const clean = (s: string | null | undefined) => s === undefined ? undefined : s === null ? null : s.trim()

export class Leads extends Context.Service<Leads, {
  readonly list: (caller: Caller, query: LeadQuery) => Effect.Effect<LeadPage, ValidationError>
  readonly get: (caller: Caller, id: string) => Effect.Effect<Lead, NotFound>
  readonly create: (caller: Caller, input: CreateLeadPayload) => Effect.Effect<Lead, Conflict>
  readonly update: (caller: Caller, id: string, input: UpdateLeadPayload) => Effect.Effect<Lead, NotFound | Conflict>
  readonly remove: (caller: Caller, id: string) => Effect.Effect<void, NotFound>
}>()("wa/dashboard/Leads") {
  static readonly layer = Layer.effect(
    Leads,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const columns = sql.unsafe(COLUMNS)

      const list = Effect.fn("Leads.list")(function*(caller: Caller, query: LeadQuery) {
        const limit = query.limit ?? DEFAULT_LIMIT
        const cursor = decodeCursor(query.cursor)
        if (cursor === null) return yield* badCursor
        const search = query.search?.trim()
        const pattern = search === undefined || search === "" ? undefined : `%${search.replace(/[\\%_]/g, "\\$&")}%`
        const rows = yield* sql`
          SELECT ${columns} FROM leads
          WHERE ${sql.and([
            sql`organization_id = ${caller.organizationId}`,
            sql`deleted_at IS NULL`,
            ...(pattern === undefined ? [] : [sql`(name ILIKE ${pattern} OR phone LIKE ${pattern} OR email ILIKE ${pattern})`]),
            ...(cursor === undefined ? [] : [sql`(created_at, id) < (${cursor.k}::timestamptz, ${cursor.id}::uuid)`])
          ])}
          ORDER BY created_at DESC, id DESC LIMIT ${limit + 1}`.pipe(decodeRows(LeadRow), Effect.orDie)
        return page(rows, limit, toLead)
      })

      const create = Effect.fn("Leads.create")(function*(caller: Caller, input: CreateLeadPayload) {
        const rows = yield* sql`
          INSERT INTO leads ${sql.insert({
            organizationId: caller.organizationId,
            phone: input.phone,
            waId: input.phone.slice(1),
            name: clean(input.name) ?? null,
            email: input.email === undefined || input.email === null ? null : normalizeEmail(input.email),
            company: clean(input.company) ?? null
          })}
          RETURNING ${columns}`.pipe(orConflict, Effect.flatMap((rows) => decodeRows(LeadRow)(Effect.succeed(rows))))
        const row = rows[0]
        return row === undefined ? yield* Effect.die("lead insert returned nothing") : toLead(row)
      })

      const update = Effect.fn("Leads.update")(function*(caller: Caller, id: string, input: UpdateLeadPayload) {
        const changes = Object.fromEntries(Object.entries({
          phone: input.phone,
          name: clean(input.name),
          email: input.email === undefined || input.email === null ? input.email : normalizeEmail(input.email),
          company: clean(input.company),
          conversationStage: input.conversation_stage,
          intentLevel: input.intent_level,
          userSentiment: input.user_sentiment
        }).filter(([, v]) => v !== undefined))
        // a person's correction of the sales state applies to the lead's conversations too (the
        // inbox shows and the engine reads theirs); leads before conversations, as the engine locks them
        const state = Object.fromEntries(Object.entries({
          stage: input.conversation_stage,
          intentLevel: input.intent_level,
          userSentiment: input.user_sentiment
        }).filter(([, v]) => v !== undefined))
        const rows = yield* Effect.gen(function*() {
          const updated = yield* sql`
            UPDATE leads SET ${sql.update({ ...changes, updatedAt: new Date() })}
            WHERE id = ${id} AND organization_id = ${caller.organizationId} AND deleted_at IS NULL
            RETURNING ${columns}`
          if (updated.length > 0 && Object.keys(state).length > 0) {
            yield* sql`UPDATE conversations SET ${sql.update({ ...state, updatedAt: new Date() })}
              WHERE lead_id = ${id} AND organization_id = ${caller.organizationId}`
          }
          return updated
        }).pipe(sql.withTransaction, orConflict, Effect.flatMap((rows) => decodeRows(LeadRow)(Effect.succeed(rows))))
        const row = rows[0]
        return row === undefined ? yield* notFound : toLead(row)
      })

      const get = Effect.fn("Leads.get")(function*(caller: Caller, id: string) {
        const [row] = yield* sql`
          SELECT ${columns} FROM leads WHERE id = ${id} AND organization_id = ${caller.organizationId} AND deleted_at IS NULL`
          .pipe(decodeRows(LeadRow), Effect.orDie)
        return row === undefined ? yield* notFound : toLead(row)
      })

      const remove = Effect.fn("Leads.remove")(function*(caller: Caller, id: string) {
        const rows = yield* sql`
          UPDATE leads SET deleted_at = now(), updated_at = now(),
                 -- free the WhatsApp identity: a new message from this number starts a new lead
                 wa_id = CASE WHEN phone IS NULL THEN wa_id END,
                 user_id = CASE WHEN phone IS NULL THEN user_id END
          WHERE id = ${id} AND organization_id = ${caller.organizationId} AND deleted_at IS NULL
          RETURNING id`.pipe(Effect.orDie)
        if (rows.length === 0) return yield* notFound
      })

      return Leads.of({ list, get, create, update, remove })
    })
  )
}
