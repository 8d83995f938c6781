/**
 * Typed opt-outs ("STOP", "unsubscribe", "baja", "não quero mais"...): case-, accent- and
 * punctuation-insensitive, matched on the whole (short) message so "don't stop now" is not one.
 */
const PHRASES = [
  // en
  "stop", "unsubscribe", "cancel", "opt out", "optout", "stop messages", "stop messaging me", "no more messages", "leave me alone",
  // es
  "baja", "darme de baja", "parar", "no mas mensajes", "no me escribas mas", "cancelar suscripcion",
  // pt
  "sair", "pare", "parar de enviar", "nao quero mais", "nao quero mais mensagens", "descadastrar", "cancelar",
  // fr
  "arret", "arreter", "desabonner", "desinscrire", "stop svp",
  // de / it
  "abmelden", "stopp", "basta", "disiscriviti",
  // ar
  "توقف", "الغاء الاشتراك"
] as const

export const normalizeText = (text: string): string =>
  text
    .normalize("NFD")
    .replace(/\p{M}+/gu, "") // accents
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]+/gu, " ") // punctuation, emoji
    .replace(/\s+/g, " ")
    .trim()

const normalizedPhrases = new Set(PHRASES.map(normalizeText))

export const isOptOut = (text: string): boolean => {
  const normalized = normalizeText(text)
  if (normalizedPhrases.has(normalized)) return true
  // "STOP please", "stop!!", "Stop. Thanks": a keyword first, in a very short message
  const words = normalized.split(" ")
  return words.length <= 3 && ["stop", "unsubscribe", "stopp", "baja", "توقف"].includes(words[0] ?? "")
}
