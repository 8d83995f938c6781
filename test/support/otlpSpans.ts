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

/** The resource attributes of each JSON export (traces, metrics or logs) at `path`. */
export const resourcesOf = (exports: ReadonlyArray<OtlpExport>, path: string): Array<Record<string, unknown>> =>
  exports
    .filter((e) => e.path === path)
    .flatMap((e) => [...list(e.body, "resourceSpans"), ...list(e.body, "resourceMetrics"), ...list(e.body, "resourceLogs")])
    .map((r) => attributesOf(isRecord(r) ? r.resource : undefined))

export interface ExportedMetric {
  readonly name: string
  readonly unit: string
  readonly kind: "histogram" | "sum" | "gauge" | "other"
  readonly points: ReadonlyArray<Readonly<Record<string, unknown>>>
}

/** The metrics of OTLP/HTTP JSON metric exports at `path`. */
export const metricsOf = (exports: ReadonlyArray<OtlpExport>, path = "/v1/metrics"): Array<ExportedMetric> =>
  exports
    .filter((e) => e.path === path)
    .flatMap((e) => list(e.body, "resourceMetrics"))
    .flatMap((rm) => list(rm, "scopeMetrics"))
    .flatMap((sm) => list(sm, "metrics"))
    .map((m) => {
      const kind = isRecord(m) ? (["histogram", "sum", "gauge"] as const).find((k) => k in m) ?? "other" : "other"
      const data = isRecord(m) && kind !== "other" ? m[kind] : undefined
      return { name: str(m, "name"), unit: str(m, "unit"), kind, points: list(data, "dataPoints").map(attributesOf) }
    })
