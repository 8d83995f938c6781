/** The one confirmation a lead gets after opting out, in the language they wrote in. */
import { detect } from "tinyld"

const ACKS: Record<string, string> = {
  en: "Understood: we won't send you any more follow-up messages. You can write here anytime.",
  es: "Entendido: no te enviaremos más mensajes de seguimiento. Puedes escribirnos cuando quieras.",
  pt: "Entendido: não enviaremos mais mensagens de acompanhamento. Pode nos escrever quando quiser.",
  fr: "Compris : nous ne vous enverrons plus de relances. Vous pouvez nous écrire à tout moment.",
  de: "Verstanden: Wir senden Ihnen keine weiteren Nachrichten. Sie können uns jederzeit schreiben.",
  it: "Capito: non ti invieremo altri messaggi. Puoi scriverci quando vuoi.",
  ar: "تم: لن نرسل لك رسائل متابعة بعد الآن. يمكنك مراسلتنا في أي وقت."
}

const KEYWORD_LANGUAGE: Record<string, string> = {
  baja: "es", parar: "es", sair: "pt", pare: "pt", arret: "fr", arreter: "fr", stopp: "de", abmelden: "de", basta: "it"
}

export const optOutAcknowledgement = (leadText: string): string => {
  const word = leadText.normalize("NFD").replace(/\p{M}+/gu, "").toLowerCase().replace(/[^\p{L}\s]/gu, "").trim().split(/\s+/)[0] ?? ""
  const language = KEYWORD_LANGUAGE[word] ?? (/\p{Script=Arabic}/u.test(leadText) ? "ar" : detect(leadText))
  return ACKS[language] ?? ACKS.en ?? ""
}
