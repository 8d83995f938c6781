/** The staff webhook (admin): where handoffs are announced, a test call, and the delivery log. */
import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema } from "effect/http-api"
import { Authorization } from "./auth.ts"
import { ForbiddenWire, ValidationErrorWire } from "./errors.ts"
import { Cursor, Limit, Page, Text } from "./fields.ts"
import { RequestValidation } from "./validation.ts"

export const WebhookSettings = Schema.Struct({ url: Schema.NullOr(Schema.String), has_secret: Schema.Boolean })
export type WebhookSettings = typeof WebhookSettings.Type

export const WebhookPayload = Schema.Struct({
  /** https (http only in development); not a private address in production */
  url: Text(2048),
  /** Signs each delivery (HMAC-SHA256). Omitted: one is generated and returned once. */
  secret: Schema.optional(Schema.String.check(
    Schema.isMinLength(16, { message: "must be at least 16 characters" }),
    Schema.isMaxLength(512, { message: "must be at most 512 characters" })
  ))
})
export type WebhookPayload = typeof WebhookPayload.Type

/** The secret appears only when the service generated it, this once. */
export const WebhookConfigured = Schema.Struct({ url: Schema.String, secret: Schema.NullOr(Schema.String) })
export type WebhookConfigured = typeof WebhookConfigured.Type

export const WebhookTestResult = Schema.Struct({
  delivery_id: Schema.String,
  delivered: Schema.Boolean,
  status: Schema.NullOr(Schema.Int),
  error: Schema.NullOr(Schema.String)
})
export type WebhookTestResult = typeof WebhookTestResult.Type

export const WebhookDelivery = Schema.Struct({
  id: Schema.String,
  event: Schema.String,
  conversation_id: Schema.NullOr(Schema.String),
  status: Schema.Literals(["pending", "delivered", "failed"]),
  attempts: Schema.Int,
  last_status: Schema.NullOr(Schema.Int),
  last_error: Schema.NullOr(Schema.String),
  created_at: Schema.String,
  delivered_at: Schema.NullOr(Schema.String),
  next_attempt_at: Schema.NullOr(Schema.String)
})
export type WebhookDelivery = typeof WebhookDelivery.Type

export const WebhookDeliveryPage = Page(WebhookDelivery)
export type WebhookDeliveryPage = typeof WebhookDeliveryPage.Type

export const DeliveryQuery = Schema.Struct({ limit: Limit, cursor: Cursor })
export type DeliveryQuery = typeof DeliveryQuery.Type

export class WebhooksApi extends HttpApiGroup.make("webhooks")
  .add(
    HttpApiEndpoint.get("getWebhook", "/organization/webhook", { success: WebhookSettings, error: ForbiddenWire }),
    HttpApiEndpoint.put("putWebhook", "/organization/webhook", {
      payload: WebhookPayload,
      success: WebhookConfigured,
      error: [ForbiddenWire, ValidationErrorWire]
    }),
    HttpApiEndpoint.delete("deleteWebhook", "/organization/webhook", {
      success: HttpApiSchema.NoContent,
      error: ForbiddenWire
    }),
    HttpApiEndpoint.post("testWebhook", "/organization/webhook/test", {
      success: WebhookTestResult,
      error: [ForbiddenWire, ValidationErrorWire]
    }),
    HttpApiEndpoint.get("webhookDeliveries", "/organization/webhook/deliveries", {
      query: DeliveryQuery,
      success: WebhookDeliveryPage,
      error: [ForbiddenWire, ValidationErrorWire]
    })
  )
  .middleware(RequestValidation)
  .middleware(Authorization)
{}
