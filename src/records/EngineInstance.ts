import { randomBytes } from "node:crypto"
import { hostname } from "node:os"
import { Context, Duration, Effect, Layer } from "effect"
import { AppConfig } from "../config/AppConfig.ts"
import type { Lessee } from "./leases.ts"

/** This engine process: it holds conversation leases as `lessee.owner`, and its sends are fenced by them. */
export class EngineInstance extends Context.Service<EngineInstance, { readonly lessee: Lessee }>()("wa/EngineInstance") {
  static readonly layer = Layer.effect(EngineInstance, Effect.map(AppConfig, (config) => ({
    lessee: {
      owner: `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`,
      ttlMs: Duration.toMillis(config.engine.leaseTtl)
    }
  })))
}
