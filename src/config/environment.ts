/**
 * Which environment the process runs in, safe by default: `NODE_ENV=production` always means
 * production; otherwise `APP_ENV` when set; otherwise a configured `DATABASE_URL` means a real
 * deployment (production), and only a bare `npm start` (embedded database) is development.
 * The reason travels with the answer, so a refusal can say why production was assumed.
 */
import { Effect, Option } from "effect"
import { oneOf, optional, text } from "./read.ts"

export const Environments = ["development", "production", "test"] as const
export type Environment = (typeof Environments)[number]

export interface ResolvedEnvironment {
  readonly environment: Environment
  /** e.g. "NODE_ENV=production", "APP_ENV unset and DATABASE_URL set" */
  readonly because: string
}

export const resolveEnvironment = Effect.gen(function*() {
  const appEnv = yield* optional("APP_ENV", oneOf(Environments))
  const nodeEnv = yield* optional("NODE_ENV", text)
  const databaseUrlSet = Option.isSome(yield* optional("DATABASE_URL", text))
  if (Option.exists(nodeEnv, (v) => v.toLowerCase() === "production")) {
    return { environment: "production", because: "NODE_ENV=production" } satisfies ResolvedEnvironment
  }
  if (Option.isSome(appEnv)) return { environment: appEnv.value, because: `APP_ENV=${appEnv.value}` } satisfies ResolvedEnvironment
  return databaseUrlSet
    ? { environment: "production", because: "APP_ENV unset and DATABASE_URL set" } satisfies ResolvedEnvironment
    : { environment: "development", because: "APP_ENV unset and no DATABASE_URL" } satisfies ResolvedEnvironment
})
