/** The spans of OTLP/HTTP JSON trace exports, flattened for assertions. */
import type { OtlpExport } from "./otlpReceiver.ts"

export interface ExportedSpan {
  readonly name: string
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId: string
  readonly kind: number
  readonly attributes: Readonly<Record<string, unknown>>
  readonly links: ReadonlyArray<{ readonly traceId: string; readonly spanId: string }>
  readonly events: ReadonlyArray<{ readonly name: string }>
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null

const list = (u: unknown, key: string): ReadonlyArray<unknown> => {
  const value = isRecord(u) ? u[key] : undefined
  return Array.isArray(value) ? value : []
}

const str = (u: unknown, key: string): string => {
  const value = isRecord(u) ? u[key] : undefined
  return typeof value === "string" ? value : ""
}

/** `{ stringValue }`, `{ intValue }` … → the plain value. */
const anyValue = (v: unknown): unknown => {
  if (!isRecord(v)) return undefined
  if ("stringValue" in v) return v.stringValue
  if ("intValue" in v) return Number(v.intValue)
  if ("doubleValue" in v) return v.doubleValue
  if ("boolValue" in v) return v.boolValue
  return JSON.stringify(v)
}

const attributesOf = (u: unknown): Record<string, unknown> =>
  Object.fromEntries(list(u, "attributes").map((a) => [str(a, "key"), anyValue(isRecord(a) ? a.value : undefined)]))

export const spansOf = (exports: ReadonlyArray<OtlpExport>): Array<ExportedSpan> =>
  exports
    .filter((e) => e.path === "/v1/traces")
    .flatMap((e) => list(e.body, "resourceSpans"))
    .flatMap((rs) => list(rs, "scopeSpans"))
    .flatMap((ss) => list(ss, "spans"))
    .map((s) => ({
      name: str(s, "name"),
      traceId: str(s, "traceId"),
      spanId: str(s, "spanId"),
      parentSpanId: str(s, "parentSpanId"),
      kind: isRecord(s) && typeof s.kind === "number" ? s.kind : 0,
      attributes: attributesOf(s),
      links: list(s, "links").map((l) => ({ traceId: str(l, "traceId"), spanId: str(l, "spanId") })),
      events: list(s, "events").map((ev) => ({ name: str(ev, "name") }))
    }))
