/** Leads CRUD (SPEC §8.1). Delete is soft: history (conversations, messages, analytics) stays. */
import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema } from "effect/http-api"
import { IntentLevel, Sentiment, Stage } from "../enums.ts"
import { Authorization } from "./auth.ts"
import { ConflictWire, ForbiddenWire, NotFoundWire } from "./errors.ts"
import { Cursor, Email, Limit, Page, Phone, Search, Text, Uuid } from "./fields.ts"
import { RequestValidation } from "./validation.ts"

export const Lead = Schema.Struct({
  id: Schema.String,
  phone: Schema.NullOr(Schema.String),
  name: Schema.NullOr(Schema.String),
  email: Schema.NullOr(Schema.String),
  company: Schema.NullOr(Schema.String),
  conversation_stage: Stage,
  intent_level: IntentLevel,
  user_sentiment: Sentiment,
  created_at: Schema.String,
  updated_at: Schema.String
})
export type Lead = typeof Lead.Type

export const LeadPage = Page(Lead)
export type LeadPage = typeof LeadPage.Type

export const LeadQuery = Schema.Struct({ limit: Limit, cursor: Cursor, search: Search })
export type LeadQuery = typeof LeadQuery.Type

export const CreateLeadPayload = Schema.Struct({
  phone: Phone,
  name: Schema.optional(Schema.NullOr(Text(200))),
  email: Schema.optional(Schema.NullOr(Email)),
  company: Schema.optional(Schema.NullOr(Text(200)))
})
export type CreateLeadPayload = typeof CreateLeadPayload.Type

/** Partial update: absent fields stay, null clears name/email/company. */
export const UpdateLeadPayload = Schema.Struct({
  phone: Schema.optional(Phone),
  name: Schema.optional(Schema.NullOr(Text(200))),
  email: Schema.optional(Schema.NullOr(Email)),
  company: Schema.optional(Schema.NullOr(Text(200))),
  conversation_stage: Schema.optional(Stage),
  intent_level: Schema.optional(IntentLevel),
  user_sentiment: Schema.optional(Sentiment)
})
export type UpdateLeadPayload = typeof UpdateLeadPayload.Type

const idParams = { id: Uuid }

export class LeadsApi extends HttpApiGroup.make("leads")
  .add(
    HttpApiEndpoint.get("list", "/leads/", { query: LeadQuery, success: LeadPage }),
    HttpApiEndpoint.post("create", "/leads/create", {
      payload: CreateLeadPayload,
      success: Lead.pipe(HttpApiSchema.status(201)),
      error: ConflictWire
    }),
    HttpApiEndpoint.put("update", "/leads/:id", {
      params: idParams,
      payload: UpdateLeadPayload,
      success: Lead,
      error: [NotFoundWire, ConflictWire]
    }),
    HttpApiEndpoint.delete("remove", "/leads/:id", {
      params: idParams,
      success: HttpApiSchema.NoContent,
      error: [NotFoundWire, ForbiddenWire]
    })
  )
  .middleware(RequestValidation)
  .middleware(Authorization)
{}
