/** Development sandbox for `npm run chat` (placeholder: filled in by the sandbox-chat work). */
import { Layer } from "effect"

export const SandboxLive = Layer.empty
