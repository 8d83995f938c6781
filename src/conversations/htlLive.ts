/**
 * The HTL with everything it needs at runtime: its settings and the Llm client (AppConfig),
 * business knowledge and the audit writer (SqlClient). Provides Htl, HtlAudit, Knowledge and Llm.
 * The brain itself (src/htl/) reads no configuration: it is handed its settings here.
 */
import { Effect, Layer } from "effect"
import { AppConfig } from "../config/AppConfig.ts"
import { Knowledge } from "../knowledge/Knowledge.ts"
import { Llm } from "../llm/Llm.ts"
import { HtlAudit } from "../records/HtlAudit.ts"
import { Htl } from "../htl/Htl.ts"

/** The Htl with `HTL_SPECULATIVE` and `HTL_MIN_CONFIDENCE` from AppConfig; needs Llm and Knowledge. */
export const HtlFromConfig = Layer.unwrap(Effect.map(AppConfig, (config) => Htl.layerWith(config.htl)))

export const HtlLive = HtlFromConfig.pipe(
  Layer.provideMerge(Layer.mergeAll(Llm.layer, Knowledge.layer, HtlAudit.layer))
)
