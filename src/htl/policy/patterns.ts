/**
 * Phrases a bot must never write: claiming to be a person, and guaranteeing or promising an
 * outcome. Multilingual (en, es, pt, fr, de, it, hi, id); matched case-insensitively on words.
 */

import { mayMatch, unicodeWords } from "./phrases.ts"

export const HUMAN_CLAIMS: ReadonlyArray<RegExp> = [
  /\bi(?:['’]| a)?m\s+(?:a\s+|an\s+)?(?:real\s+|actual\s+)?(?:human|person|man|woman|people)\b/iu,
  /\bi\s+am\s+(?:a\s+|an\s+)?(?:real\s+|actual\s+)?(?:human|person|man|woman)\b/iu,
  /\b(?:i(?:['’]|\s+a)?m|i\s+am)\s+not\s+(?:a\s+|an\s+)?(?:bot|robot|ai|machine|chatbot|program)\b/iu,
  /\b(?:real|actual)\s+(?:human|person)\s+(?:here|speaking|typing)\b/iu,
  /\bsoy\s+(?:una?\s+)?(?:persona|humano|humana|ser\s+humano)(?:\s+real)?\b/iu,
  /\bno\s+soy\s+(?:un\s+)?(?:bot|robot|ia|m[aá]quina)\b/iu,
  /\bsou\s+(?:uma?\s+)?(?:pessoa|humano|humana|ser\s+humano)(?:\s+real)?\b/iu,
  /\bn[aã]o\s+sou\s+(?:um\s+)?(?:bot|rob[oô]|ia|m[aá]quina)\b/iu,
  /\bje\s+suis\s+(?:un\s+|une\s+)?(?:humain|humaine|vraie\s+personne|personne\s+r[ée]elle|[êe]tre\s+humain)\b/iu,
  /\bje\s+ne\s+suis\s+pas\s+(?:un\s+)?(?:bot|robot|ia)\b/iu,
  /\bich\s+bin\s+(?:ein\s+|eine\s+)?(?:echter\s+|echte\s+)?(?:mensch|person)\b/iu,
  /\bich\s+bin\s+kein(?:e)?\s+(?:bot|roboter|ki|maschine)\b/iu,
  /\bsono\s+(?:un\s+|una\s+)?(?:essere\s+umano|persona\s+(?:vera|reale)|umano|umana)\b/iu,
  /\bnon\s+sono\s+(?:un\s+)?(?:bot|robot|ia)\b/iu,
  /\bsaya\s+(?:adalah\s+)?(?:manusia|orang\s+sungguhan)\b/iu,
  /मैं\s*(?:एक\s*)?(?:इंसान|मनुष्य|इन्सान)\s*(?:हूँ|हूं)/u,
  /मैं\s*(?:बॉट|रोबोट)\s*नहीं/u
].map(unicodeWords)

export const GUARANTEES: ReadonlyArray<RegExp> = [
  /\bguarantee(?:s|d)?\b/iu,
  /\b(?:i|we)\s+(?:promise|assure\s+you)\b/iu,
  /\b100\s?%\s+(?:sure|certain|guaranteed|results?)\b/iu,
  /\b(?:risk[-\s]free|no\s+risk|can(?:['’]|no)t\s+fail|you(?:['’]ll|\s+will)\s+(?:definitely|surely|certainly))\b/iu,
  /\bgarant[ie]\w*/iu,
  /\b(?:te|le|les|lo|vos)?\s*prometo\b/iu,
  /\bte\s+aseguro\b/iu,
  /\bsin\s+riesgo\b/iu,
  /\bje\s+(?:vous\s+|te\s+)?promets\b/iu,
  /\bgarantier\w*|\bversprech\w*|\bverspreche\b/iu,
  /\bprometto\b|\bti\s+assicuro\b/iu,
  /\bdijamin\b|\bjaminan\b/iu,
  /गारंटी|वादा\s*(?:करता|करती|करते)/u
].map(unicodeWords)

/** The first matching phrase of `patterns` in `text`, if any. */
export const firstMatch = (patterns: ReadonlyArray<RegExp>, text: string): string | null => {
  for (const p of patterns) {
    const m = mayMatch(p, text) ? p.exec(text) : null
    if (m !== null) return m[0].trim()
  }
  return null
}
