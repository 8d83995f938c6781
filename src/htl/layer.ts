/**
 * The HTL with everything it needs at runtime: the Llm client (AppConfig), business knowledge
 * and the audit writer (SqlClient). Provides Htl, HtlAudit, Knowledge and Llm.
 */
import { Layer } from "effect"
import { Knowledge } from "../knowledge/Knowledge.ts"
import { Llm } from "../llm/Llm.ts"
import { HtlAudit } from "./audit.ts"
import { Htl } from "./Htl.ts"

export const HtlLive = Htl.layer.pipe(
  Layer.provideMerge(Layer.mergeAll(Llm.layer, Knowledge.layer, HtlAudit.layer))
)
