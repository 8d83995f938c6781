/**
 * A step's output Schema as an LLM response format: the strict JSON schema for providers with
 * `json_schema` support, a compact shape hint for `json_object`-only providers, and the decoder.
 */
import type { Effect, JsonSchema } from "effect"
import { Schema } from "effect"
import { OpenAiStructuredOutput } from "effect/ai"
import { noNormalization, type Normalizer } from "./normalize.ts"

export interface StructuredFormat<A> {
  readonly name: string
  readonly jsonSchema: JsonSchema.JsonSchema
  /** `{"action":"SEND_NOW"|"WAIT_SCHEDULE",…}`: appended to the prompt in json_object mode. */
  readonly shapeHint: string
  readonly normalize: Normalizer
  readonly decode: (u: unknown) => Effect.Effect<A, Schema.SchemaError>
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** A short, human-readable rendering of a JSON schema (types and enums only). */
export const compactShape = (s: unknown): string => {
  if (!isRecord(s)) return "any"
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join("|")
  if (Array.isArray(s.anyOf)) return s.anyOf.map(compactShape).join("|")
  const type = s.type
  if (Array.isArray(type)) return type.map((t) => compactShape({ ...s, type: t })).join("|")
  if (type === "object" && isRecord(s.properties)) {
    return `{${Object.entries(s.properties).map(([k, v]) => `"${k}":${compactShape(v)}`).join(",")}}`
  }
  if (type === "array") return `[${compactShape(s.items)}]`
  return typeof type === "string" ? type : "any"
}

export const structured = <A, E>(
  name: string,
  schema: Schema.ConstraintCodec<A, E>,
  normalize: Normalizer = noNormalization
): StructuredFormat<A> => {
  const { codec, jsonSchema } = OpenAiStructuredOutput.toCodecOpenAI(schema)
  const decode = Schema.decodeUnknownEffect(codec)
  return {
    name,
    jsonSchema,
    shapeHint: compactShape(jsonSchema),
    normalize,
    decode
  }
}
