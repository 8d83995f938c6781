/**
 * Small readers over Effect's `Config` that turn every failure into one
 * `InvalidConfig` naming the variable, so start-up can print a single line.
 */
import { Config, Duration, Effect, Option, Redacted, Schema } from "effect"

export class InvalidConfig extends Schema.TaggedError<InvalidConfig>()("InvalidConfig", {
  variable: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `Invalid configuration: ${this.variable} ${this.reason}`
  }
}

const raw = (name: string): Effect.Effect<Option.Option<string>, InvalidConfig> =>
  Config.option(Config.String(name)).pipe(
    Effect.map(Option.map((s) => s.trim())),
    Effect.map(Option.filter((s) => s.length > 0)),
    Effect.mapError((e) => new InvalidConfig({ variable: name, reason: `could not be read (${e.message})` }))
  )

export const invalid = (variable: string, reason: string) => Effect.fail(new InvalidConfig({ variable, reason }))

/** Parses one value; a failure names the variable and quotes (the start of) what it got. */
export const parse = <A>(name: string, s: string, parser: (s: string) => A | ParseFailure) => {
  const parsed = parser(s)
  return parsed instanceof ParseFailure
    ? invalid(name, parsed.quote ? `${parsed.expected}, got ${JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s)}` : parsed.expected)
    : Effect.succeed(parsed)
}

/** An optional variable, parsed by `parser`. */
export const optional = <A>(name: string, parser: (s: string) => A | ParseFailure) =>
  raw(name).pipe(Effect.flatMap(Option.match({
    onNone: () => Effect.succeed(Option.none<A>()),
    onSome: (s) => Effect.map(parse(name, s, parser), Option.some)
  })))

/** A variable with a default used when it is unset or empty. */
export const withDefault = <A>(name: string, parse: (s: string) => A | ParseFailure, fallback: A) =>
  optional(name, parse).pipe(Effect.map(Option.getOrElse(() => fallback)))

/** A secret: never echoed back in the error, kept as `Redacted`. */
export const secret = (name: string, options: { readonly minLength?: number } = {}) =>
  raw(name).pipe(Effect.flatMap(Option.match({
    onNone: () => Effect.succeed(Option.none<Redacted.Redacted>()),
    onSome: (s) =>
      options.minLength !== undefined && s.length < options.minLength
        ? invalid(name, `must be at least ${options.minLength} characters long`)
        : Effect.succeed(Option.some(Redacted.make(s)))
  })))

export const required = <A>(name: string, value: Option.Option<A>, why: string) =>
  Option.match(value, { onNone: () => invalid(name, `is required ${why}`), onSome: Effect.succeed })

export class ParseFailure {
  readonly expected: string
  /** false for values that may hold credentials: the error must not echo them. */
  readonly quote: boolean
  constructor(expected: string, quote = true) {
    this.expected = expected
    this.quote = quote
  }
}

export const text = (s: string): string => s

export const integer = (min: number, max: number) => (s: string): number | ParseFailure => {
  const n = Number(s)
  return /^-?\d+$/.test(s) && n >= min && n <= max ? n : new ParseFailure(`must be an integer from ${min} to ${max}`)
}

export const decimal = (min: number, max: number) => (s: string): number | ParseFailure => {
  const n = Number(s)
  return Number.isFinite(n) && n >= min && n <= max ? n : new ParseFailure(`must be a number from ${min} to ${max}`)
}

export const port = integer(1, 65535)

/** Trusted reverse-proxy hops: an integer from 0 to 10, or off / false (0). */
export const proxyHops = (s: string): number | ParseFailure => {
  if (["off", "false", "no"].includes(s.toLowerCase())) return 0
  return /^\d+$/.test(s) && Number(s) <= 10
    ? Number(s)
    : new ParseFailure(`must be the number of reverse proxies in front of the app, from 0 to 10 (or "off")`)
}

export const oneOf = <const L extends ReadonlyArray<string>>(values: L) => (s: string): L[number] | ParseFailure => {
  const found = values.find((v) => v === s.toLowerCase())
  return found ?? new ParseFailure(`must be one of ${values.join(", ")}`)
}

export const httpUrl = (s: string): string | ParseFailure => {
  try {
    const url = new URL(s)
    return url.protocol === "http:" || url.protocol === "https:"
      ? s.replace(/\/+$/, "")
      : new ParseFailure("must be an http(s) URL")
  } catch {
    return new ParseFailure("must be an http(s) URL")
  }
}

export const postgresUrl = (s: string): Redacted.Redacted | ParseFailure => {
  try {
    const url = new URL(s)
    return url.protocol === "postgres:" || url.protocol === "postgresql:"
      ? Redacted.make(s)
      : new ParseFailure("must be a postgres:// URL", false)
  } catch {
    return new ParseFailure("must be a postgres:// URL", false)
  }
}

const unitMillis: Record<string, number> = {
  ms: 1, millis: 1, millisecond: 1, milliseconds: 1,
  s: 1000, sec: 1000, second: 1000, seconds: 1000,
  m: 60_000, min: 60_000, minute: 60_000, minutes: 60_000,
  h: 3_600_000, hour: 3_600_000, hours: 3_600_000
}

/** A duration: a bare number is seconds (as in the seed), else "5 seconds", "250 ms", "2m". */
export const duration = (s: string): Duration.Duration | ParseFailure => {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(s)
  const unit = (m?.[2] ?? "").toLowerCase()
  const factor = m === null ? undefined : unit === "" ? 1000 : unitMillis[unit]
  return m !== null && factor !== undefined
    ? Duration.millis(Number(m[1]) * factor)
    : new ParseFailure(`must be a duration such as "5 seconds", "250 ms" or a number of seconds`)
}
