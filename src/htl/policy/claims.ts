/**
 * A bot never claims or implies to be a person. Caught, in en, es, pt, fr, de, it, id and Hinglish:
 * - being human ("I'm a real person", "sou de carne e osso", "aku orang beneran");
 * - denying being a bot ("not a bot", "nessun robot qui", "bot nahi hoon");
 * - "you are talking to a person / the team" ("estás hablando con una persona", "hier schreibt jemand");
 * - a personal name presented as staff ("I'm Jessica from the sales team", "aqui é a Camila, da recepção");
 * - a body, a place, a phone ("I'm at the front desk", "te ligo", "main khud call kar leta hoon");
 * - answering "is there a human?" with "yes" (or "are you a bot?" with "no") and no disclosure.
 * Not caught: "our team", "a colleague will confirm", "I'm the virtual assistant", "I'll pass this on".
 */
import { AFTER_NOUN, findAll, type Found, globalOf, isNegated, mayMatch, unicodeWords } from "./phrases.ts"

/** Saying what it is: an AI / virtual / automated assistant. */
const DISCLOSURE = [
  /\b(?:AI|A\.I\.|IA|KI|bot|chatbot|robot|robô|roboter)\b/u,
  /\b(?:assistant|assistente|asistente|assistent|assistentin|asisten|assistan)\b/iu,
  /\b(?:virtual|virtuale|virtuel|virtuelle|virtuell\w*|automated|automatic|automático|automática|automatique|automatisch\w*|automatico|otomatis)\b/iu,
  /\b(?:artificial intelligence|inteligencia artificial|inteligência artificial|intelligence artificielle|künstliche intelligenz|intelligenza artificiale|kecerdasan buatan)\b/iu
].map(unicodeWords)

const BE_HUMAN = [
  /\b(?:i'm|i’m|im|i am)\s+(?:a\s+|an\s+)?(?:real\s+|actual\s+|living\s+)?(?:human(?:\s+being)?|person|people)\b/iu,
  /\b(?:real|actual|living)\s+(?:human|person)\s+(?:here|speaking|typing|answering)\b/iu,
  /\b(?:flesh\s+and\s+blood|100\s?%\s+human)\b/iu,
  /\bsoy\s+(?:una?\s+)?(?:persona|humano|humana|ser\s+humano)\b/iu,
  /\bde\s+carne\s+y\s+hueso\b/iu,
  /\bsou\s+(?:uma?\s+)?(?:pessoa|humano|humana|ser\s+humano|gente)\b/iu,
  /\b(?:de\s+carne\s+e\s+osso|gente\s+de\s+verdade|pessoa\s+de\s+verdade)\b/iu,
  /\bje\s+suis\s+(?:bien\s+|vraiment\s+)?(?:un\s+|une\s+)?(?:vraie?\s+)?(?:humain|humaine|personne|[êe]tre\s+humain)\b/iu,
  /\bich\s+bin\s+(?:ein\s+|eine\s+)?(?:echter?\s+)?(?:mensch|person)\b/iu,
  /\bsono\s+(?:un\s+|una\s+)?(?:essere\s+umano|persona|umano|umana)\b/iu,
  /\bin\s+carne\s+e\s+ossa\b/iu,
  /\b(?:aku|saya|ini|gue|gw)\s+(?:orang|manusia|admin)\b/iu,
  /\b(?:orang|manusia|admin)\s+(?:beneran|asli|sungguhan)\b/iu,
  /\b(?:main|mai)\s+(?:ek\s+)?(?:insaan|insan|human|real\s+person)\b/iu,
  /\b(?:insaan|insan)\s+(?:hoon|hun|hu)\b/iu,
  // a staff role: "soy el dentista", "I'm the manager", "ich bin die Inhaberin", "sono il titolare"
  new RegExp(
    "\\b(?:i'm|i’m|im|i am|soy|sou|je suis|ich bin|sono|aku|saya|main)\\s+(?:the|el|la|o|a|le|l'|der|die|il|lo|un|una|uma|um|ein|eine|une)?\\s*" +
      "(?:dentist|dentista|doctor|doctora|dr|médico|médica|receptionist|recepcionista|réceptionniste|rezeptionist\\w*|" +
      "manager|gerente|responsable|responsabile|owner|dueño|dueña|dono|dona|propriétaire|titolare|inhaber\\w*|" +
      "teacher|profesor|profesora|professor|professora|professeur|prof|insegnante|lehrer\\w*|trainer|entrenador\\w*|" +
      "counsellor|counselor|consultor\\w*|consulente|berater\\w*|photographe|fotógraf[oa]|fotograf\\w*|chef|cuoc[oa]|" +
      "instructor|instrutor|instruktur|istruttore|sales\\s+rep|vendedor\\w*|vendeur|vendeuse|commess[oa]|mitarbeiter\\w*|empleado|empleada|funcionário|funcionária|staff)\\b",
    "iu"
  )
].map(unicodeWords)

/** Bot words: negated, they deny being a bot ("not a bot", "kein Bot", "bot nahi hoon"). */
const BOT_WORDS = [
  /\b(?:bots?|robots?|robôs?|robo|roboter|chatbots?|AI|IA|KI|machine|máquina|maschine|computer)\b/u,
  /\b(?:Bots?|Robots?|Robôs?|Robo|Roboter|Chatbots?|Machine|Máquina|Maschine|Computer)\b/u
].map(unicodeWords)

const TALKING_TO_PEOPLE = [
  /\byou(?:'re|’re|\s+are|\s+r)\s+(?:now\s+|actually\s+|already\s+)?(?:talking|chatting|speaking|texting|writing)\s+(?:to|with)\s+(?:a\s+|an\s+)?(?:real\s+|actual\s+|live\s+)?(?:human|person|people|someone|the\s+team|our\s+team)\b/iu,
  /\b(?:someone|somebody|a\s+person|a\s+human|one\s+of\s+us|a\s+real\s+person)\s+(?:from|of|on)\s+(?:our|the)\s+(?:[\p{L}-]+\s+)?team\s+is\s+(?:answering|replying|writing|typing|here)\b/iu,
  /\b(?:est[aá]s|est[aá]|est[aá]is|est[aá]n)\s+(?:ya\s+|ahora\s+)?hablando\s+con\s+(?:una?\s+)?(?:persona|humano|alguien|el\s+equipo|la\s+recepci[oó]n|nosotros|gente)\b/iu,
  /\bte\s+(?:atiende|escribe|responde|contesta)\s+(?:directamente\s+)?(?:el\s+equipo|una\s+persona|alguien|personalmente|yo)\b/iu,
  /\b(?:est[aá]|t[aá])\s+(?:j[aá]\s+|agora\s+)?falando\s+com\s+(?:uma?\s+)?(?:pessoa|humano|algu[eé]m|a\s+equipe|gente|a\s+recep[cç][aã]o)\b/iu,
  /\bquem\s+(?:fala|responde|atende)\s+(?:aqui\s+)?(?:[eé]\s+)?(?:uma?\s+pessoa|a\s+equipe|eu)\b/iu,
  /\b(?:vous|tu)\s+(?:[ée]changez|parlez|discutez|[ée]crivez|[ée]changes|parles|discutes|[ée]cris)\s+(?:directement\s+|bien\s+)?(?:avec|[aà])\s+(?:l'[ée]quipe|l’[ée]quipe|un\s+humain|une\s+humaine|une\s+(?:vraie\s+)?personne|quelqu'un|nous|moi)\b/iu,
  /\b(?:Sie\s+sprechen|du\s+sprichst|Sie\s+schreiben|du\s+schreibst|ihr\s+schreibt)\s+(?:hier\s+|gerade\s+|direkt\s+)?mit\s+(?:einem\s+|einer\s+)?(?:echten\s+)?(?:Menschen|Mensch|Person|jemandem|dem\s+Team|unserem\s+Team|mir)\b/iu,
  /\bhier\s+(?:schreibt|antwortet|spricht)\s+(?:jemand|ein\s+Mensch|eine\s+Person|ein\s+Mitarbeiter|eine\s+Mitarbeiterin)\b/iu,
  /\b(?:stai|state|sta)\s+(?:gi[àa]\s+|ora\s+|adesso\s+|proprio\s+)?parlando\s+con\s+(?:lo\s+staff|una\s+persona|un\s+umano|il\s+team|noi|me|qualcuno)\b/iu,
  /\bti\s+rispond[oe]\s+(?:direttamente\s+)?(?:io|una\s+persona|lo\s+staff|qualcuno)\b/iu,
  /\b(?:kamu|kakak|kak|anda)\s+(?:lagi\s+|sedang\s+)?(?:ngobrol|chat|chatting|bicara|berbicara)\s+(?:sama|dengan)\s+(?:orang|manusia|admin)\b/iu,
  /\b(?:aap|ap)\s+(?:ek\s+)?(?:insaan|insan|real\s+person|human)\s+se\s+baat\b/iu
].map(unicodeWords)

/** A body, a place, a phone, a past: first-person things a bot does not have or do. */
const EMBODIED = [
  /\b(?:i\s+(?:will\s+|'ll\s+|’ll\s+)?personally|i'll\s+call\s+you|i\s+will\s+call\s+you|i\s+can\s+call\s+you|i\s+work\s+here|i've\s+been\s+working|i'm\s+at\s+the\s+(?:front\s+desk|reception|office|counter|desk)|come\s+(?:and\s+)?see\s+me|in\s+my\s+experience|when\s+i\s+started)\b/iu,
  /\b(?:personalmente|yo\s+mism[oa]|te\s+llamo|le\s+llamo|te\s+llamar[eé]|trabajo\s+aqu[ií]|estoy\s+en\s+(?:la\s+)?(?:recepci[oó]n|consulta|cl[ií]nica)|p[aá]sate\s+a\s+verme|ven\s+a\s+verme|te\s+atiendo\s+yo|en\s+mi\s+experiencia)\b/iu,
  /\b(?:pessoalmente|eu\s+mesm[oa]|te\s+ligo|vou\s+te\s+ligar|trabalho\s+aqui|estou\s+(?:no\s+balc[aã]o|na\s+recep[cç][aã]o|atendendo)|gravar\s+(?:um\s+)?[aá]udio|na\s+minha\s+experi[eê]ncia)\b/iu,
  /\b(?:personnellement|moi-m[êe]me|je\s+(?:vous|t')\s*(?:appelle|rappelle)|je\s+serai\s+(?:à|a)\s+l'accueil|je\s+serai\s+(?:à|a)\s+l’accueil|passez\s+me\s+voir|venez\s+me\s+voir|je\s+vous\s+ferai\s+visiter|j'ai\s+commenc[ée]|mes\s+[ée]l[eè]ves)\b/iu,
  /\b(?:ich\s+selbst|pers[öo]nlich|ich\s+sitze|ich\s+arbeite\s+(?:hier|bei\s+uns|im)|ich\s+ruf[e]?\s+(?:dich|sie|euch)\s+(?:gleich\s+|sp[äa]ter\s+)?an|meine\s+erfahrung)\b/iu,
  /\b(?:personalmente|io\s+stess[oa]|ti\s+(?:ri)?chiamo|la\s+(?:ri)?chiamo|ti\s+seguo\s+io|lavoro\s+qui|per\s+esperienza)\b/iu,
  /\b(?:aku\s+sendiri|saya\s+sendiri|(?:lagi|sedang)\s+pegang\s+hp|aku\s+(?:telepon|telpon|telfon)|saya\s+(?:telepon|telpon)|aku\s+kerja\s+di\s+sini)\b/iu,
  /\b(?:main\s+khud|khud\s+(?:aapko|apko)|main\s+hi\s+dekh\w*|call\s+kar\s+(?:leta|leti|lunga|lungi|deta|deti)\s+(?:hoon|hun|hu))\b/iu
].map(unicodeWords)

/** "I'm Jessica from …", "aqui é a Camila", "ini Komang": a lead-in, then a capitalised personal name. */
const INTRO = unicodeWords(new RegExp(
  "\\b(?i:i'm|i’m|i am|this is|it's|it’s|my name is|here is|here's|soy|me llamo|mi nombre es|te escribe|habla|" +
    "sou(?: o| a)?|me chamo|meu nome [ée]|aqui [ée](?: o| a)?|quem fala [ée](?: o| a)?|" +
    "je suis|je m'appelle|je m’appelle|c'est|c’est|ici|moi c'est|" +
    "ich bin|ich hei(?:ß|ss)e|mein name ist|hier ist|hier spricht|sie sprechen mit|du sprichst mit|" +
    "sono|mi chiamo|il mio nome [èe]|qui [èe]|" +
    "aku|saya|nama saya|namaku|ini|main|mai|mera naam)\\s+" +
    "(?:(?i:el|la|o|a|il|der|die)\\s+)?(?:(?i:dr|dra|mr|ms|mrs|sr|sra|herr|frau|dott|kak|mas|mbak|bli)\\.?\\s+)?" +
    "(\\p{Lu}[\\p{Ll}\\p{M}]+(?:[- ]\\p{Lu}[\\p{Ll}\\p{M}]+)?)" +
    "(?=\\s*(?:$|[,.!:;)—–-]|\\p{Extended_Pictographic}|\\s(?i:from|of|at|with|here|de|del|da|do|della|dell|dall|dalla|dal|aus|vom|von|bei|dari|se|ki|ka|hoon|hu|the|el|la|il|le|o|a|der|die|das|your|tu|tua|seu|sua|ihr|ihre|votre|yahan|yaha|team|equipo|equipe|[ée]quipe|tim)\\b))",
  "u"
))
/** Capitalised words after a lead-in that are not names. */
const NOT_NAMES = new Set(
  ("I The A An Your Our Here Happy Glad Sorry Sure Thanks Ihnen Sie Ihr Ihre Euch Dir Dich Du Ich Wir Gerne Gern Hier Da Vous Tu Toi " +
    "Le La Les Un Une El Los Las Una Il Lo Gli O Os As Um Uma Kak Kakak Admin Sir Mam Ji Team Bot Assistant Assistente " +
    "Asistente Assistent Asisten Virtual Ja Nein Yes No Si Sí Oui Non Sim Não Iya Haan Nahi Bukan Hola Hello Hi Hallo Ciao Halo Oi " +
    "Bonjour Moin Namaste Natürlich Klar Certo Claro Bien Bene Bem Bisa Ok Okay").split(" ")
)

/** Answer openers: a "yes" to "is there a person?" or a "no" to "are you a bot?" claims to be human. */
const YES = /^\W*(?:yes|yeah|yep|yup|sure|of course|s[ií]|sim|oui|ja|jawohl|iya|ya|yoi|haan|han ji|haan ji|ji haan|ji)\b/iu
const NO = /^\W*(?:haha\s+)?(?:no|nope|nah|not|nein|n[aã]o|non|bukan|enggak|nggak|gak|ga|nahi|nahin|nhi|qu[eé]\s+va|para\s+nada|pas\s+du\s+tout|no\s+no)\b/iu

/** The lead's question: about a human ("is there a person?") or about a bot ("are you a bot?"). */
const ASKS_HUMAN = [
  /\b(?:human|real\s+person|real\s+people|someone\s+real|a\s+person|humano|humana|una\s+persona|persona\s+real|persona\s+de\s+verdad|uma\s+pessoa|pessoa\s+de\s+verdade|gente\s+de\s+verdade|humain|humaine|vraie\s+personne|quelqu'un\s+de\s+r[ée]el|mensch|menschen|echte\s+person|mitarbeiter\w*|umano|umana|persona\s+vera|persona\s+reale|manusia|orang\s+beneran|orang\s+asli|admin\s+asli|insaan|insan|koi\s+hai)\b/iu,
  /\b(?:who\s+(?:am\s+i|is\s+this|are\s+you)|con\s+qui[eé]n\s+hablo|com\s+quem\s+(?:eu\s+)?falo|[aà]\s+qui\s+je\s+parle|mit\s+wem\s+spreche|con\s+chi\s+parlo|ini\s+siapa|aap\s+kaun|kaun\s+(?:hai|ho|bol))\b/iu
].map(unicodeWords)
const ASKS_BOT = [
  /\b(?:bots?|robots?|rob[oô]s?|roboter|chatbot|machine|m[aá]quina|maschine|computer|automated|autom[aá]tic[oa])\b/iu,
  /\b(?:AI|IA|KI)\b/u
].map(unicodeWords)

export interface ClaimContext {
  /** The lead's messages this turn (their question shapes what the answer implies). */
  readonly leadMessages: ReadonlyArray<string>
  /** The business's and its products' names, the lead's name: not staff names. */
  readonly names: ReadonlyArray<string>
}

const discloses = (text: string) => findAll(DISCLOSURE, text).some((f) => !isNegated(text, f.start, f.end))

const firstNotNegated = (patterns: ReadonlyArray<RegExp>, text: string): Found | undefined =>
  findAll(patterns, text).find((f) => !isNegated(text, f.start, f.end))

const staffIntro = (text: string, names: ReadonlyArray<string>): string | null => {
  if (!mayMatch(INTRO, text)) return null
  const known = new Set(names.flatMap((n) => n.toLowerCase().split(/[^\p{L}\p{M}]+/u)).filter((w) => w.length >= 3))
  for (const m of text.matchAll(globalOf(INTRO))) {
    const name = m[1] ?? ""
    const first = name.split(/[- ]/u)[0] ?? ""
    if (NOT_NAMES.has(first) || known.has(first.toLowerCase())) continue
    return m[0].trim()
  }
  return null
}

/** The phrase (or a description) by which `draft` claims to be human, or null. */
export const humanClaim = (draft: string, c: ClaimContext): string | null => {
  const human = firstNotNegated(BE_HUMAN, draft)
  if (human !== undefined) return human.phrase
  const disclosed = discloses(draft)
  const denial = findAll(BOT_WORDS, draft).find((f) => isNegated(draft, f.start, f.end, AFTER_NOUN))
  if (denial !== undefined && !disclosed) return `denies being a bot ("${denial.phrase}")`
  const talking = firstNotNegated(TALKING_TO_PEOPLE, draft)
  if (talking !== undefined && !disclosed) return talking.phrase
  const embodied = firstNotNegated(EMBODIED, draft)
  if (embodied !== undefined) return embodied.phrase
  const intro = disclosed ? null : staffIntro(draft, c.names)
  if (intro !== null) return intro
  if (!disclosed) {
    const asked = c.leadMessages.join("\n")
    const asksHuman = findAll(ASKS_HUMAN, asked).length > 0
    const asksBot = findAll(ASKS_BOT, asked).length > 0
    if (asksHuman && YES.test(draft) && !asksBot) return "answers \"yes\" to whether a person is writing"
    if (asksBot && NO.test(draft)) return "answers \"no\" to whether it is a bot"
  }
  return null
}
