/**
 * OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG on top of whatever tracer is installed (Effect's
 * OTLP tracer exports every sampled span and has no sampler of its own). An unsampled span still
 * has ids (log lines keep their trace_id) and passes `sampled=0` on in `traceparent`; the OTLP
 * tracer drops it, and so every span below it.
 */
import { Effect, Layer, Option, Tracer } from "effect"
import type { SamplerKind } from "../config/telemetry.ts"

export interface SamplerSettings {
  readonly kind: SamplerKind
  readonly ratio: number
}

type SpanOptions = Parameters<Tracer.Tracer["span"]>[0]

/** The trace id's low 56 bits as a fraction of 1: one coin per trace, the same in every process. */
const traceFraction = (traceId: string): number | undefined => {
  const low = traceId.slice(-14)
  return /^[0-9a-f]{14}$/i.test(low) ? Number.parseInt(low, 16) / 2 ** 56 : undefined
}

/** TraceIdRatioBased: a root span's trace id is not drawn yet, so its coin is a fresh random one. */
const byRatio = (ratio: number, parent: Option.Option<Tracer.AnySpan>) =>
  (Option.isSome(parent) ? traceFraction(parent.value.traceId) ?? Math.random() : Math.random()) < ratio

export const shouldSample = (sampler: SamplerSettings, options: Pick<SpanOptions, "parent">): boolean => {
  const { parent } = options
  switch (sampler.kind) {
    case "always_on":
      return true
    case "always_off":
      return false
    case "traceidratio":
      return byRatio(sampler.ratio, parent)
    case "parentbased_always_on":
      return Option.isSome(parent) ? parent.value.sampled : true
    case "parentbased_always_off":
      return Option.isSome(parent) ? parent.value.sampled : false
    case "parentbased_traceidratio":
      return Option.isSome(parent) ? parent.value.sampled : byRatio(sampler.ratio, parent)
  }
}

/** `inner` with the sampler's decision; a span Effect already left unsampled (trace level) stays so. */
export const samplingTracer = (inner: Tracer.Tracer, sampler: SamplerSettings): Tracer.Tracer =>
  Tracer.make({
    span: (options) => inner.span({ ...options, sampled: options.sampled && shouldSample(sampler, options) }),
    ...(inner.context === undefined ? {} : { context: inner.context })
  })

/** Wraps the tracer the layers below provide (the OTLP one, or Effect's native tracer). */
export const samplerLayer = (sampler: SamplerSettings) =>
  Layer.effect(Tracer.Tracer, Effect.gen(function*() {
    return samplingTracer(yield* Tracer.Tracer, sampler)
  }))
