import { randomBytes } from "node:crypto"
import { hostname } from "node:os"
import { Context, Layer } from "effect"

/** This engine process: its id owns conversation leases and fences its sends. */
export class EngineInstance extends Context.Service<EngineInstance, { readonly id: string }>()("wa/EngineInstance") {
  static readonly layer = Layer.sync(EngineInstance, () => ({ id: `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}` }))
}
