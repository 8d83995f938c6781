/**
 * The LLM client: any OpenAI-compatible chat-completions server (Groq by default). Every call is
 * a structured-output request: the step's Schema goes out as a strict JSON schema (or a shape
 * hint for json_object-only providers), the reply is normalized and decoded with that Schema,
 * a decode failure gets exactly one repair request, and the result carries tokens and latency.
 */
import OpenAI from "openai"
import type { ChatCompletionCreateParamsNonStreaming, ChatCompletionMessageParam } from "openai/resources/chat/completions"
import { Clock, Context, Effect, Layer, Option, Redacted, Ref, Schema } from "effect"
import { AppConfig, type AppConfigShape } from "../config/AppConfig.ts"
import { spanEvent } from "../observability/spanEvent.ts"
import { LlmBadOutput, type LlmError, LlmNotConfigured } from "./errors.ts"
import type { StructuredFormat } from "./structured.ts"
import { createCompletion, defaultRetryPolicy, type RetryPolicy } from "./transport.ts"
import { nodeFetch } from "./nodeFetch.ts"

export type ResponseFormatMode = "json_schema" | "json_object"

export interface LlmRequest<A> {
  readonly format: StructuredFormat<A>
  readonly system: string
  readonly user: string
  readonly maxTokens?: number
  readonly temperature?: number
}

export interface LlmUsage {
  readonly promptTokens: number
  readonly completionTokens: number
}

export interface LlmResult<A> {
  readonly value: A
  readonly usage: LlmUsage
  /** Wall time of the whole call: retries, backoff and repair included. */
  readonly latencyMs: number
  readonly model: string
  /** HTTP requests made (retries and the repair request included). */
  readonly attempts: number
  /** The first answer did not decode; the repair request's answer did. */
  readonly repaired: boolean
  /** Enum drift that was mapped to an allowed value. */
  readonly normalized: ReadonlyArray<string>
}

export interface LlmShape {
  readonly configured: boolean
  readonly model: string
  readonly complete: <A>(request: LlmRequest<A>) => Effect.Effect<LlmResult<A>, LlmError>
}

export interface LlmSettings {
  readonly apiKey: Option.Option<Redacted.Redacted>
  readonly baseUrl: string
  readonly model: string
  readonly maxTokens: number
  readonly temperature: number
  readonly timeout: AppConfigShape["llm"]["timeout"]
  readonly responseFormat?: ResponseFormatMode
  readonly retry?: RetryPolicy
}

const parseJson = Schema.decodeUnknownEffect(Schema.fromJsonString(Schema.Unknown))

const describe = (e: unknown) => (e instanceof Error ? e.message : String(e)).replace(/\s+/g, " ").slice(0, 300)

/** Some providers reject json_schema for some models: fall back to json_object once and stay there. */
const isFormatRejection = (e: LlmError) =>
  e._tag === "LlmUnavailable" && e.status === 400 && /response_format|json_schema|schema/i.test(e.reason)

export const makeLlm = Effect.fnUntraced(function*(settings: LlmSettings) {
  if (Option.isNone(settings.apiKey)) {
    const notConfigured: LlmShape = { configured: false, model: settings.model, complete: () => Effect.fail(new LlmNotConfigured()) }
    return notConfigured
  }
  const client = new OpenAI({
    apiKey: Redacted.value(settings.apiKey.value),
    baseURL: settings.baseUrl,
    maxRetries: 0,
    fetch: nodeFetch,
    timeout: 24 * 3600 * 1000 // ours (an Effect timeout that aborts) is the one that counts
  })
  const mode = yield* Ref.make<ResponseFormatMode>(settings.responseFormat ?? "json_schema")
  const policy = settings.retry ?? defaultRetryPolicy

  const send = <A>(request: LlmRequest<A>, messages: Array<ChatCompletionMessageParam>) =>
    Effect.gen(function*() {
      const current = yield* Ref.get(mode)
      const body: ChatCompletionCreateParamsNonStreaming = {
        model: settings.model,
        messages: current === "json_schema" ? messages : withShapeHint(messages, request.format),
        max_tokens: request.maxTokens ?? settings.maxTokens,
        temperature: request.temperature ?? settings.temperature,
        response_format: current === "json_schema"
          ? { type: "json_schema", json_schema: { name: request.format.name, strict: true, schema: request.format.jsonSchema } }
          : { type: "json_object" }
      }
      return yield* createCompletion(client, body, settings.timeout, policy).pipe(
        Effect.catch((e) =>
          current === "json_schema" && isFormatRejection(e)
            ? Ref.set(mode, "json_object").pipe(
              Effect.andThen(Effect.logWarning("provider rejected json_schema; using json_object")),
              Effect.andThen(createCompletion(client, { ...body, messages: withShapeHint(messages, request.format), response_format: { type: "json_object" } }, settings.timeout, policy))
            )
            : Effect.fail(e)
        )
      )
    })

  const decode = <A>(format: StructuredFormat<A>, content: string) =>
    parseJson(content).pipe(
      Effect.map(format.normalize),
      Effect.flatMap((n) => Effect.map(format.decode(n.value), (value) => ({ value, notes: n.notes }))),
      Effect.mapError(describe)
    )

  const complete = <A>(request: LlmRequest<A>): Effect.Effect<LlmResult<A>, LlmError> =>
    Effect.gen(function*() {
      const started = yield* Clock.currentTimeMillis
      const messages: Array<ChatCompletionMessageParam> = [
        { role: "system", content: request.system },
        { role: "user", content: request.user }
      ]
      const first = yield* send(request, messages)
      const firstContent = first.choices[0]?.message.content ?? ""
      let promptTokens = first.usage?.prompt_tokens ?? 0
      let completionTokens = first.usage?.completion_tokens ?? 0
      let attempts = first.attempts
      let repaired = false
      let decoded = yield* Effect.result(decode(request.format, firstContent))
      if (decoded._tag === "Failure") {
        yield* spanEvent("gen_ai.invalid_output")
        const repair = yield* send(request, [
          ...messages,
          { role: "assistant", content: firstContent.slice(0, 2_000) },
          { role: "user", content: `That reply was invalid: ${decoded.failure}. Answer again with corrected JSON only.` }
        ])
        promptTokens += repair.usage?.prompt_tokens ?? 0
        completionTokens += repair.usage?.completion_tokens ?? 0
        attempts += repair.attempts
        repaired = true
        yield* spanEvent("gen_ai.repair", { "gen_ai.request.attempts": attempts })
        decoded = yield* Effect.result(decode(request.format, repair.choices[0]?.message.content ?? ""))
      }
      if (decoded._tag === "Failure") {
        return yield* new LlmBadOutput({ step: request.format.name, reason: decoded.failure, promptTokens, completionTokens })
      }
      const finished = yield* Clock.currentTimeMillis
      return {
        value: decoded.success.value,
        usage: { promptTokens, completionTokens },
        latencyMs: finished - started,
        model: first.model || settings.model,
        attempts,
        repaired,
        normalized: decoded.success.notes
      }
    }).pipe(
      Effect.tap((r) => Effect.annotateCurrentSpan({
        "gen_ai.response.model": r.model,
        "gen_ai.usage.input_tokens": r.usage.promptTokens,
        "gen_ai.usage.output_tokens": r.usage.completionTokens,
        "gen_ai.request.attempts": r.attempts
      })),
      Effect.tapError((e) => Effect.annotateCurrentSpan({ "error.type": e._tag })),
      Effect.withSpan("Llm.complete", {
        kind: "client",
        attributes: {
          "gen_ai.operation.name": "chat",
          "gen_ai.request.model": settings.model,
          "gen_ai.request.max_tokens": request.maxTokens ?? settings.maxTokens,
          "gen_ai.output.type": "json",
          "htl.step": request.format.name
        }
      })
    )

  const configured: LlmShape = { configured: true, model: settings.model, complete }
  return configured
})

const withShapeHint = <A>(messages: Array<ChatCompletionMessageParam>, format: StructuredFormat<A>): Array<ChatCompletionMessageParam> =>
  messages.map((m, i) =>
    i === 0 && m.role === "system" ? { role: "system", content: `${String(m.content)}\nReply with JSON only, exactly: ${format.shapeHint}` } : m
  )

export class Llm extends Context.Service<Llm, LlmShape>()("wa/Llm") {
  /** From AppConfig's `llm` settings; without an API key every call fails with LlmNotConfigured. */
  static readonly layer = Layer.effect(Llm, Effect.flatMap(AppConfig, (config) => Effect.map(makeLlm(config.llm), Llm.of)))
  /** For tests, benches and the eval script: explicit settings. */
  static readonly layerWith = (settings: LlmSettings) => Layer.effect(Llm, Effect.map(makeLlm(settings), Llm.of))
}
