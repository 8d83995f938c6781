/** Accounts and tokens: signup (new or existing organization), login, the current user. */
import { Context, Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiMiddleware, HttpApiSchema, HttpApiSecurity } from "effect/http-api"
import { Role } from "../enums.ts"
import type { OrganizationId, UserId } from "../ids.ts"
import { ConflictWire, NotFoundWire, TooManyAttemptsWire, UnauthorizedWire } from "./errors.ts"
import { Chars, Email, Password, Text } from "./fields.ts"
import { RequestValidation } from "./validation.ts"

/** The authenticated caller: every query is scoped by its organization. */
export interface Caller {
  readonly id: UserId
  readonly organizationId: OrganizationId
  readonly role: Role
}

export class CurrentUser extends Context.Service<CurrentUser, Caller>()("wa/dashboard/CurrentUser") {}

/** Bearer JWT → CurrentUser; 401 when missing, invalid, expired or forged. */
export class Authorization extends HttpApiMiddleware.Service<Authorization, { provides: CurrentUser }>()(
  "wa/dashboard/Authorization",
  { security: { bearer: HttpApiSecurity.bearer }, error: UnauthorizedWire }
) {}

export const CreateOrgPayload = Schema.Struct({
  organization_name: Text(200),
  name: Text(200),
  email: Email,
  password: Password
})
export type CreateOrgPayload = typeof CreateOrgPayload.Type

export const JoinOrgPayload = Schema.Struct({
  invite_code: Text(64),
  name: Text(200),
  email: Email,
  password: Password
})
export type JoinOrgPayload = typeof JoinOrgPayload.Type

/** Not checked for format (a wrong one is just a failed login), only bounded like signup's. */
export const LoginPayload = Schema.Struct({
  email: Chars(254),
  password: Chars(256)
})
export type LoginPayload = typeof LoginPayload.Type

export const AuthUser = Schema.Struct({ id: Schema.String, name: Schema.String, email: Schema.String, role: Role })

export const AuthOrganization = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  /** Only shown to admins (it lets anyone join the organization). */
  invite_code: Schema.NullOr(Schema.String)
})

export const AuthResponse = Schema.Struct({
  access_token: Schema.String,
  token_type: Schema.Literal("bearer"),
  expires_in: Schema.Int,
  user: AuthUser,
  organization: AuthOrganization
})
export type AuthResponse = typeof AuthResponse.Type

export const Me = Schema.Struct({ user: AuthUser, organization: AuthOrganization })
export type Me = typeof Me.Type

export class AuthApi extends HttpApiGroup.make("auth")
  .add(
    HttpApiEndpoint.post("signupCreateOrg", "/auth/signup/create-org", {
      payload: CreateOrgPayload,
      success: AuthResponse.pipe(HttpApiSchema.status(201)),
      error: [ConflictWire, TooManyAttemptsWire]
    }),
    HttpApiEndpoint.post("signupJoinOrg", "/auth/signup/join-org", {
      payload: JoinOrgPayload,
      success: AuthResponse.pipe(HttpApiSchema.status(201)),
      error: [ConflictWire, NotFoundWire, TooManyAttemptsWire]
    }),
    HttpApiEndpoint.post("login", "/auth/login", {
      payload: LoginPayload,
      success: AuthResponse,
      error: [UnauthorizedWire, TooManyAttemptsWire]
    })
  )
  .middleware(RequestValidation)
{}

export class MeApi extends HttpApiGroup.make("me")
  .add(HttpApiEndpoint.get("me", "/auth/me", { success: Me }))
  .middleware(RequestValidation)
  .middleware(Authorization)
{}
