/**
 * CORS for dashboards served from another origin: only the origins of CORS_ORIGINS get
 * `Access-Control-Allow-Origin` (their own, echoed; never `*`); preflights are answered for them.
 * Tokens travel in `Authorization`, so no credentials (cookies) are allowed. Unset: no CORS headers.
 */
import { Effect, Layer } from "effect"
import { HttpRouter } from "effect/http"
import { AppConfig } from "../config/AppConfig.ts"

export const CorsLive = Layer.unwrap(Effect.map(AppConfig, (config) => {
  if (config.corsOrigins.length === 0) return Layer.empty
  return HttpRouter.cors({
    // Effect echoes the request's origin when it is listed, once the list has two entries or more
    // (with one, it always sends that one): a single origin is listed twice
    allowedOrigins: config.corsOrigins.length === 1 ? [...config.corsOrigins, ...config.corsOrigins] : config.corsOrigins,
    allowedMethods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
    exposedHeaders: ["retry-after"],
    maxAge: 600
  })
}))
