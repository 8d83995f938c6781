/**
 * W3C trace context across the boundaries Effect's tracer cannot see: the inbox (a stored
 * delivery remembers the intake span as a `traceparent`) and the in-process event bus (an
 * event remembers the span that published it, so the actor's turn can link to it).
 */
import { Effect, Option, Tracer } from "effect"
import { Headers, HttpTraceContext } from "effect/http"

/** `00-<trace id>-<span id>-<flags>` for a span. */
export const formatTraceparent = (span: Tracer.AnySpan): string =>
  `00-${span.traceId.padStart(32, "0")}-${span.spanId}-${span.sampled ? "01" : "00"}`

/** The current span as a `traceparent`, if there is one. */
export const currentTraceparent: Effect.Effect<Option.Option<string>> = Effect.currentParentSpan.pipe(
  Effect.map(formatTraceparent),
  Effect.option
)

/** A stored `traceparent` back to a span usable as a parent or a link; malformed input is ignored. */
export const parseTraceparent = (traceparent: string | undefined | null): Option.Option<Tracer.ExternalSpan> =>
  traceparent === undefined || traceparent === null
    ? Option.none()
    : HttpTraceContext.w3c(Headers.fromInput({ traceparent }))

const publishedBy = new WeakMap<object, Tracer.AnySpan>()

/** Remembers the current span as the publisher of `event` (in process, no schema change). */
export const tagWithCurrentSpan = <A extends object>(event: A): Effect.Effect<A> =>
  Effect.currentParentSpan.pipe(
    Effect.map((span) => {
      publishedBy.set(event, span)
      return event
    }),
    Effect.orElseSucceed(() => event)
  )

/** Remembers `span` as the publisher of `event` (a span captured earlier, e.g. before a group commit). */
export const tagWithSpan = <A extends object>(event: A, span: Option.Option<Tracer.AnySpan>): A => {
  if (Option.isSome(span)) publishedBy.set(event, span.value)
  return event
}

/** The span that published `event`, if it was tagged. */
export const publisherOf = (event: object): Option.Option<Tracer.AnySpan> => Option.fromNullishOr(publishedBy.get(event))
