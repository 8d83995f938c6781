/**
 * Enum drift: models answer "curious" where we allow positive|neutral|…. Before decoding, each
 * enum field is mapped to an allowed value (exact, case/space-insensitive, synonym, or a declared
 * fallback). Unknown values without a fallback stay as they are, so the Schema rejects them and
 * the repair request names the field. Raw drift is never stored: only notes about it.
 */

export interface EnumField {
  readonly allowed: ReadonlyArray<string>
  readonly synonyms?: Readonly<Record<string, string>>
  /** Used when nothing matches; omit to reject instead. */
  readonly fallback?: string
}

export interface Normalized {
  readonly value: unknown
  /** e.g. `state_patch.user_sentiment: "curious" → "positive"` */
  readonly notes: ReadonlyArray<string>
}

export type Normalizer = (raw: unknown) => Normalized

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const canonical = (s: string) => s.trim().toLowerCase().replace(/[\s-]+/g, "_")

export const normalizeEnum = (field: EnumField, value: string): string | undefined => {
  if (field.allowed.includes(value)) return value
  const c = canonical(value)
  const exact = field.allowed.find((a) => canonical(a) === c)
  return exact ?? field.synonyms?.[c] ?? field.fallback
}

/** A normalizer for enum fields at dotted paths ("risk_flags.spam_risk"). */
export const enumNormalizer = (fields: Readonly<Record<string, EnumField>>): Normalizer => (raw) => {
  if (!isRecord(raw)) return { value: raw, notes: [] }
  const notes: Array<string> = []
  const copy = structuredClone(raw)
  for (const [path, field] of Object.entries(fields)) {
    const keys = path.split(".")
    const last = keys.pop()
    let target: unknown = copy
    for (const k of keys) target = isRecord(target) ? target[k] : undefined
    if (last === undefined || !isRecord(target)) continue
    const current = target[last]
    if (typeof current !== "string" || field.allowed.includes(current)) continue
    const mapped = normalizeEnum(field, current)
    if (mapped === undefined) continue
    target[last] = mapped
    notes.push(`${path}: ${JSON.stringify(current.slice(0, 40))} → ${JSON.stringify(mapped)}`)
  }
  return { value: copy, notes }
}

export const noNormalization: Normalizer = (raw) => ({ value: raw, notes: [] })
