/**
 * The conversation engine's front door: `tell` routes mail to the conversation's actor
 * (created on demand). What a turn does is the `Turns` service's business.
 */
import { Context, Effect, Layer } from "effect"
import { AppConfig } from "../config/AppConfig.ts"
import { EngineInstance } from "../records/EngineInstance.ts"
import type { Leases } from "../records/leases.ts"
import type { TurnHandlers } from "./mailbox.ts"
import { type ActorRegistry, makeActorRegistry } from "./registry.ts"
import { EngineStore } from "../records/EngineStore.ts"

/** This process's leases, through the engine store. */
export const boundLeases = Effect.gen(function*() {
  const store = yield* EngineStore
  const { lessee } = yield* EngineInstance
  return {
    lessee,
    acquire: (key) => store.acquireLease(key, lessee),
    renew: (key) => store.renewLease(key, lessee),
    release: (key) => store.releaseLease(key, lessee)
  } satisfies Leases
})

export class Turns extends Context.Service<Turns, TurnHandlers>()("wa/Turns") {}

export class Conversations extends Context.Service<Conversations, ActorRegistry>()("wa/Conversations") {
  static readonly layer = Layer.effect(
    Conversations,
    Effect.gen(function*() {
      const config = yield* AppConfig
      const handlers = yield* Turns
      return yield* makeActorRegistry({
        handlers,
        timing: { ...config.debounce, idleTtl: config.engine.actorIdleTtl },
        concurrency: config.engine.turnConcurrency,
        leases: yield* boundLeases
      })
    })
  )
}

