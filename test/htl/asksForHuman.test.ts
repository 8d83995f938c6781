/** "I want a person", in the supported languages — and what is not such a request. */
import { assert, describe, it } from "@effect/vitest"
import { handoffNotice } from "../../src/conversations/handoffNotice.ts"
import { asksForHuman } from "../../src/htl/policy/asksForHuman.ts"

describe("a lead asking for a person", () => {
  it("is recognised in en, es, pt, fr, de, it, id and Hinglish", () => {
    for (const text of [
      "can I talk to a person?", "i want to speak with someone pls", "human please", "let me talk to a real person", "connect me to an agent",
      "quiero hablar con alguien", "pásame con una persona", "me comunicas con un asesor?", "quiero hablar con un humano",
      "quero falar com um atendente", "me passa pra alguém da equipe", "falar com uma pessoa de verdade",
      "je veux parler à quelqu'un", "je voudrais parler avec un conseiller", "passez-moi un humain svp",
      "ich möchte mit einem Menschen sprechen", "kann ich mit jemandem reden?", "verbinden Sie mich mit einem Mitarbeiter",
      "vorrei parlare con una persona", "passami qualcuno x favore", "posso parlare con un operatore?",
      "mau bicara sama admin", "bisa ngobrol dengan orang?", "minta cs dong",
      "kisi insaan se baat karni hai", "admin se baat karwa do", "real person se baat karao"
    ]) {
      assert.isNotNull(asksForHuman([text]), text)
    }
  })

  it("is not a question about who is writing, a negation, or talking it over at home", () => {
    for (const text of [
      "is this a bot?", "am I talking to a person?", "are you human?", "¿hablo con una persona o con una máquina?", "to falando com uma pessoa?",
      "I need to talk to someone at home first", "ok i need to talk to my partner first", "tengo que hablar con alguien primero",
      "vou falar com meu marido antes", "I don't want to talk to anyone, just the price", "the team is 4 people", "how much for 4 people?",
      "parlare con mio marito", "ini bot ya?", "koi insaan hai?"
    ]) {
      assert.isNull(asksForHuman([text]), text)
    }
  })

  it("the notice: the business's own text for the language, else ours, else the business's first language's", () => {
    assert.strictEqual(handoffNotice("es", {}, ["en"]), "¡Gracias! Una persona de nuestro equipo te responderá por aquí en breve.")
    assert.strictEqual(handoffNotice("es", { es: "Marta te escribe ya." }, ["en"]), "Marta te escribe ya.")
    assert.strictEqual(handoffNotice("xx", { de: "Gleich meldet sich jemand." }, ["de"]), "Gleich meldet sich jemand.")
    assert.strictEqual(handoffNotice("xx", {}, ["yy"]), "Thanks! A colleague from our team will reply here shortly.")
  })
})
