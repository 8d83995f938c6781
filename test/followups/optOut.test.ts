import { assert, describe, it } from "@effect/vitest"
import { isOptOut } from "../../src/followups/optOut.ts"

describe("opt-out words", () => {
  it("recognizes keywords in several languages, any case, accents or punctuation", () => {
    for (const text of ["STOP", "stop!", " Stop please ", "Unsubscribe", "BAJA", "Não quero mais", "nao quero mais!!",
      "ARRÊT", "Arrêter", "توقف", "Sair", "darme de baja", "opt-out"]) {
      assert.isTrue(isOptOut(text), text)
    }
  })

  it("does not fire on ordinary messages that contain the words", () => {
    for (const text of ["don't stop now, tell me the price", "where is the bus stop near your shop?",
      "I want to cancel my old plan and buy the new one", "para quando é a entrega?", "hi", ""]) {
      assert.isFalse(isOptOut(text), text)
    }
  })
})
