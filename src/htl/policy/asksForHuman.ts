/**
 * "I want a person": a lead who asks for a human is handed over at once, by code, without the
 * model. A request, not a question about who is writing ("is this a bot?" gets an honest answer
 * from the assistant instead), and not a negated one ("I don't need to talk to anyone").
 */
import { findAll, isNegated, mayMatchAny, unicodeWords } from "./phrases.ts"

/** Someone: a person, a human, an agent, the team, a salesperson… in each supported language. */
const SOMEONE_EN = "(?:a\\s+|an\\s+|some\\s+|the\\s+|your\\s+|a\\s+real\\s+|an\\s+actual\\s+)?(?:human|person|people|someone|somebody|agent|representative|rep|sales\\s*person|salesperson|sales\\s+rep|operator|manager|real\\s+person|live\\s+agent|team|staff|owner)"
const SOMEONE_ES = "(?:una?\\s+)?(?:persona|humano|alguien|agente|asesor[a]?|vendedor[a]?|encargad[oa]|operador[a]?|el\\s+equipo|gerente|due[ñn]o|alguien\\s+real)"
const SOMEONE_PT = "(?:uma?\\s+)?(?:pessoa|humano|algu[eé]m|atendente|consultor[a]?|vendedor[a]?|gerente|respons[aá]vel|a\\s+equipe|dono|gente\\s+de\\s+verdade)"
const SOMEONE_FR = "(?:une?\\s+)?(?:personne|humain|quelqu'un|quelqu’un|conseill[eè]re?|vendeu(?:r|se)|responsable|agent|op[ée]rat(?:eur|rice)|l'[ée]quipe|l’[ée]quipe|vrai(?:e)?\\s+personne)"
const SOMEONE_DE = "(?:einem|einer|jemandem|mit\\s+einem)?\\s*(?:menschen|mensch|person|jemandem|mitarbeiter(?:in)?|berater(?:in)?|verk[äa]ufer(?:in)?|ansprechpartner(?:in)?|team|chef(?:in)?|echten\\s+menschen)"
const SOMEONE_IT = "(?:una?\\s+|un'\\s*|qualche\\s+)?(?:persona|umano|qualcuno|operatore|operatrice|consulente|addett[oa]|responsabile|titolare|commess[oa]|il\\s+team|persona\\s+vera)"
const SOMEONE_ID = "(?:orang|manusia|admin|cs|customer\\s+service|petugas|staf|staff|owner|pemilik|operator|tim)"
const SOMEONE_HI = "(?:kisi\\s+)?(?:insaan|insan|human|person|banda|bande|admin|counsellor|counselor|sir|staff|team|real\\s+person)"

export const HUMAN_REQUESTS: ReadonlyArray<RegExp> = [
  // en: "can I talk to a person", "I want to speak with someone", "let me talk to a human", "connect me to an agent"
  new RegExp(`\\b(?:talk|speak|chat)\\s+(?:to|with)\\s+${SOMEONE_EN}\\b`, "iu"),
  new RegExp(`\\b(?:connect|transfer|put|pass)\\s+me\\s+(?:to|through\\s+to|with)\\s+${SOMEONE_EN}\\b`, "iu"),
  new RegExp(`\\b(?:human|real\\s+person|agent|representative|operator)\\s*(?:please|pls|plz)\\b`, "iu"),
  new RegExp(`\\b(?:i\\s+(?:want|need|would\\s+like)|i'd\\s+like|give\\s+me|get\\s+me)\\s+${SOMEONE_EN}\\b`, "iu"),
  // es: "quiero hablar con alguien", "pásame con una persona", "me comunicas con un asesor"
  new RegExp(`\\bhablar\\s+con\\s+${SOMEONE_ES}\\b`, "iu"),
  new RegExp(`\\b(?:p[aá]same|p[aá]sesme|comun[ií]came|comunicame|me\\s+pasas|me\\s+comunicas|p[oó]nme)\\s+con\\s+${SOMEONE_ES}\\b`, "iu"),
  new RegExp(`\\bquiero\\s+(?:una?\\s+)?(?:persona|humano|asesor[a]?|agente)\\b`, "iu"),
  // pt: "quero falar com um atendente", "me passa pra alguém", "falar com uma pessoa"
  new RegExp(`\\bfalar\\s+com\\s+${SOMEONE_PT}\\b`, "iu"),
  new RegExp(`\\b(?:me\\s+passa|passa|me\\s+transfere|transfere)\\s+(?:pra|para|pro)\\s+${SOMEONE_PT}\\b`, "iu"),
  new RegExp(`\\bquero\\s+(?:uma?\\s+)?(?:atendente|pessoa|humano|consultor[a]?)\\b`, "iu"),
  // fr: "je veux parler à quelqu'un", "parler avec un conseiller", "passez-moi un humain"
  new RegExp(`\\bparler\\s+(?:[aà]|avec)\\s+${SOMEONE_FR}`, "iu"),
  new RegExp(`\\b(?:passez|passe)[- ]moi\\s+${SOMEONE_FR}`, "iu"),
  // de: "ich möchte mit einem Menschen sprechen", "mit jemandem reden", "verbinden Sie mich mit einem Mitarbeiter"
  new RegExp(`\\bmit\\s+${SOMEONE_DE}\\s+(?:\\p{L}+\\s+){0,2}(?:sprechen|reden|schreiben|chatten|telefonieren)\\b`, "iu"),
  new RegExp(`\\b(?:verbinden\\s+sie\\s+mich|verbinde\\s+mich|stell(?:en\\s+sie)?\\s+mich\\s+durch)\\s+(?:mit|zu)\\s+${SOMEONE_DE}\\b`, "iu"),
  // it: "vorrei parlare con una persona", "passami qualcuno", "parlare con un operatore"
  new RegExp(`\\bparlare\\s+con\\s+${SOMEONE_IT}\\b`, "iu"),
  new RegExp(`\\b(?:passami|mi\\s+passi|mettimi\\s+in\\s+contatto\\s+con)\\s+${SOMEONE_IT}\\b`, "iu"),
  // id: "mau bicara sama admin", "bisa ngobrol dengan orang?", "minta cs dong"
  new RegExp(`\\b(?:bicara|ngobrol|chat|berbicara|telpon|telepon)\\s+(?:sama|dengan|ama|ke)\\s+${SOMEONE_ID}\\b`, "iu"),
  new RegExp(`\\b(?:minta|mau|tolong\\s+sambungkan\\s+ke|sambungin\\s+ke)\\s+(?:di\\s*sambungkan\\s+ke\\s+)?(?:admin|cs|customer\\s+service|orang\\s+asli|manusia)\\b`, "iu"),
  // Hinglish: "kisi insaan se baat karni hai", "admin se baat karwa do", "real person se baat"
  new RegExp(`\\b${SOMEONE_HI}\\s+se\\s+baat\\b`, "iu")
].map(unicodeWords)

/** "I need to talk to someone first": deliberation before deciding, not a request for a person. */
const LATER = unicodeWords(/^[^.!?\n]{0,40}?\b(?:first|before|later|at\s+home|about\s+it|primero|antes|luego|depois|d'abord|avant|zuerst|vorher|erst|prima|dulu|nanti|pehle|baad\s+mein)\b/iu)

/** The phrase by which the lead asks for a person, or null. */
export const asksForHuman = (messages: ReadonlyArray<string>): string | null => {
  for (const text of messages) {
    // every lead message is checked as it arrives: most ask for no one, and one scan says so
    if (!mayMatchAny(HUMAN_REQUESTS, text)) continue
    const found = findAll(HUMAN_REQUESTS, text).find((f) => !isNegated(text, f.start, f.end) && !LATER.test(text.slice(f.end)))
    if (found !== undefined) return found.phrase
  }
  return null
}
