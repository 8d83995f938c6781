/**
 * The one confirmation a lead gets after opting out, in their language: the opt-out word's own
 * language when it has one ("baja", "sair"), else the conversation's (a bare "STOP" in a Spanish
 * conversation is answered in Spanish).
 */

const ACKS: Record<string, string> = {
  en: "Understood: we won't send you any more follow-up messages. You can write here anytime.",
  es: "Entendido: no te enviaremos más mensajes de seguimiento. Puedes escribirnos cuando quieras.",
  pt: "Entendido: não enviaremos mais mensagens de acompanhamento. Pode nos escrever quando quiser.",
  fr: "Compris : nous ne vous enverrons plus de relances. Vous pouvez nous écrire à tout moment.",
  de: "Verstanden: Wir senden Ihnen keine weiteren Nachrichten. Sie können uns jederzeit schreiben.",
  it: "Capito: non ti invieremo altri messaggi. Puoi scriverci quando vuoi.",
  id: "Baik: kami tidak akan mengirim pesan tindak lanjut lagi. Kamu bisa menulis di sini kapan saja.",
  "hi-Latn": "Theek hai: ab aapko follow-up messages nahi bhejenge. Aap kabhi bhi yahan message kar sakte hain.",
  hi: "ठीक है: अब आपको फ़ॉलो-अप संदेश नहीं भेजे जाएंगे। आप कभी भी यहाँ लिख सकते हैं।",
  ar: "تم: لن نرسل لك رسائل متابعة بعد الآن. يمكنك مراسلتنا في أي وقت."
}

const KEYWORD_LANGUAGE: Record<string, string> = {
  baja: "es", parar: "es", sair: "pt", pare: "pt", arret: "fr", arreter: "fr", stopp: "de", abmelden: "de", basta: "it"
}

/** `conversationLanguage`: the reply language the HTL would pick for this burst. */
export const optOutAcknowledgement = (leadText: string, conversationLanguage: string): string => {
  const word = leadText.normalize("NFD").replace(/\p{M}+/gu, "").toLowerCase().replace(/[^\p{L}\s]/gu, "").trim().split(/\s+/)[0] ?? ""
  const language = KEYWORD_LANGUAGE[word] ?? (/\p{Script=Arabic}/u.test(leadText) ? "ar" : conversationLanguage)
  return ACKS[language] ?? ACKS.en ?? ""
}
