/**
 * When to start Generate before Decide has answered. "auto" speculates while Decide has mostly
 * said SEND_NOW lately (a discarded draft costs tokens, a kept one saves Decide's latency).
 */
import { Effect, Ref } from "effect"
import type { Action } from "../domain/enums.ts"

export type SpeculationMode = "auto" | "on" | "off"

const WINDOW = 20
const MIN_SAMPLES = 5
const MIN_SEND_SHARE = 0.5

export const makeSpeculation = (mode: SpeculationMode) =>
  Effect.map(Ref.make<ReadonlyArray<Action>>([]), (recent) => ({
    record: (action: Action) => Ref.update(recent, (xs) => [...xs, action].slice(-WINDOW)),
    shouldSpeculate: mode === "on"
      ? Effect.succeed(true)
      : mode === "off"
      ? Effect.succeed(false)
      : Effect.map(Ref.get(recent), (xs) =>
        xs.length < MIN_SAMPLES || xs.filter((a) => a === "SEND_NOW").length / xs.length >= MIN_SEND_SHARE
      ),
    sendNowShare: Effect.map(Ref.get(recent), (xs) => (xs.length === 0 ? null : xs.filter((a) => a === "SEND_NOW").length / xs.length))
  }))

export type Speculation = Effect.Success<ReturnType<typeof makeSpeculation>>
