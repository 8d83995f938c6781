/**
 * Sending on a channel (docs/WHATSAPP.md §7–8): text (optionally quoting a message),
 * template, mark-as-read. Cloud channels call the Graph API with their own token, paced per
 * number and per recipient; error codes become typed errors (see send/errors.ts). Sandbox
 * channels send nothing and answer a generated wamid.
 */
import { randomUUID } from "node:crypto"
import { Cache, Context, Duration, Effect, Layer, Option, Random, Schema } from "effect"
import { NodeHttpClient } from "@effect/platform-node"
import { HttpClient } from "effect/http"
import { AppConfig } from "../config/AppConfig.ts"
import type { ChannelId } from "../domain/ids.ts"
import { Wamid } from "../domain/ids.ts"
import type { OutboundBody } from "../domain/outbound.ts"
import { type Channel, Channels, type ChannelStoreError, keptBriefly } from "./Channels.ts"
import * as E from "./send/errors.ts"
import { type GraphResult, postMessages } from "./send/GraphApi.ts"
import { makePacer } from "./send/Pacer.ts"

export interface SenderOptions {
  /** Graph calls per second per number (Meta's default is 80; WHATSAPP_SEND_RATE). */
  readonly perNumberPerSecond: number
  /** Minimum spacing of messages to one recipient. */
  readonly perRecipientInterval: Duration.Duration
  /** How long a recipient is paused after a pair-rate-limit (131056) answer. */
  readonly pairRateBackoff: Duration.Duration
  /** First retry delay; doubles per attempt, with jitter. */
  readonly retryBase: Duration.Duration
  readonly maxRetries: number
  readonly timeout: Duration.Duration
  /**
   * How long a connection to the Graph API may idle before it is closed rather than used again
   * (a server's shorter `Keep-Alive: timeout=N`, less 1 s, wins). See `graphAgent`.
   */
  readonly idleConnection: Duration.Duration
}

export const defaultSenderOptions: SenderOptions = {
  perNumberPerSecond: 80,
  perRecipientInterval: Duration.millis(250),
  pairRateBackoff: Duration.seconds(6),
  retryBase: Duration.millis(500),
  maxRetries: 3,
  timeout: Duration.seconds(20),
  // undici's default, under the 5 s of Node's own servers (and most proxies' longer ones)
  idleConnection: Duration.seconds(4)
}

/**
 * The Graph API's connections: kept alive between calls, but never past `idleConnection`. Left
 * to itself Node's agent keeps an idle connection until the server closes it, and reads the
 * server's keep-alive hint only to shorten a timeout it was given: a call that takes a connection
 * just as the server closes it is reset ("socket hang up") with its request sent, so its outcome
 * is unknown, never resent, and the lead goes to a person (bench/engine.ts met it: one lead of
 * 10,000, after the connections idled between its phases). The agent's `timeout` closes idle
 * connections; during a call it only emits an event nobody acts on (the call's limit is
 * `timeout` above).
 */
const graphAgent = (options: SenderOptions) =>
  NodeHttpClient.layerNodeHttpOptions({ keepAlive: true, timeout: Duration.toMillis(options.idleConnection) })

const SendAccepted = Schema.Struct({ messages: Schema.NonEmptyArray(Schema.Struct({ id: Schema.String })) })
const decodeAccepted = Schema.decodeUnknownOption(SendAccepted)

/** The send span's view of one Graph API attempt: status and error code, never the body. */
const graphAttributes = (r: GraphResult, attempt: number): Record<string, unknown> =>
  r._tag === "Accepted"
    ? { "http.response.status_code": 200, "wa.graph.attempts": attempt + 1 }
    : r._tag === "GraphError"
    ? { "http.response.status_code": r.status, "wa.graph.error_code": r.code, "error.type": String(r.code), "wa.graph.attempts": attempt + 1 }
    : { "error.type": r._tag, "wa.graph.attempts": attempt + 1 }

/** A BSUID (`US.1349…`) is addressed with `recipient`, a number with `to`. */
const addressOf = (to: string) => /^[A-Z]{2}\.[A-Za-z0-9]+$/.test(to) ? { recipient: to } : { to }

/** Meta's limit for `biz_opaque_callback_data`. */
const OPAQUE_MAX = 512

/** Meta's body for a message; `reference` (our id for it) comes back in its statuses. */
export const messageBody = (to: string, body: OutboundBody, reference?: string) => {
  const common = {
    messaging_product: "whatsapp",
    recipient_type: "individual",
    ...addressOf(to),
    ...(reference === undefined || reference.length > OPAQUE_MAX ? {} : { biz_opaque_callback_data: reference })
  }
  return body._tag === "text"
    ? {
      ...common,
      type: "text",
      text: { preview_url: false, body: body.text },
      ...(body.replyTo === null ? {} : { context: { message_id: body.replyTo } })
    }
    : {
      ...common,
      type: "template",
      template: {
        name: body.name,
        language: { code: body.language },
        ...(body.parameters.length === 0 ? {} : {
          components: [{ type: "body", parameters: body.parameters.map((text) => ({ type: "text", text })) }]
        })
      }
    }
}

const makeWhatsApp = (options: SenderOptions) =>
  Effect.gen(function*() {
    const config = yield* AppConfig
    const channels = yield* Channels
    const client = yield* HttpClient.HttpClient
    const numbers = makePacer(Duration.millis(1000 / options.perNumberPerSecond))
    const recipients = makePacer(options.perRecipientInterval)

    // a channel and its opened secrets, kept briefly: a turn's send and its read receipt, and the
    // turns after it, read and decrypt it once (channels are created, not edited, at runtime: a
    // new token is a new channel or a restart)
    const byId = yield* keptBriefly((id: ChannelId) =>
      Effect.flatMap(channels.findById(id), Option.match({
        onNone: () => Effect.fail(new E.ChannelNotFound({ channelId: id })),
        onSome: Effect.succeed
      }))
    )

    const backoff = (attempt: number) =>
      Effect.map(Random.next, (r) => Duration.millis(Duration.toMillis(options.retryBase) * 2 ** attempt * (0.5 + r)))

    /** One logical call with the code policy: retries only what certainly was not accepted. */
    const call = (channel: Channel, recipient: Option.Option<string>, body: unknown) =>
      Effect.gen(function*() {
        if (channel.unreadable.length > 0) {
          return yield* new E.ChannelMisconfigured({
            reason: `channel ${channel.phoneNumberId} is disabled: its ${channel.unreadable.join(", ")} cannot be opened (sealed with another SECRETS_KEY?)`
          })
        }
        if (Option.isNone(channel.accessToken)) {
          return yield* new E.ChannelMisconfigured({ reason: `channel ${channel.phoneNumberId} has no access token` })
        }
        const target = { baseUrl: config.whatsapp.apiBaseUrl, phoneNumberId: channel.phoneNumberId, token: channel.accessToken.value, timeout: options.timeout }
        let last: GraphResult = { _tag: "NotSent", reason: "not attempted" }
        for (let attempt = 0; attempt <= options.maxRetries; attempt++) {
          yield* numbers.acquire(channel.phoneNumberId)
          if (Option.isSome(recipient)) yield* recipients.acquire(`${channel.phoneNumberId}:${recipient.value}`)
          last = yield* postMessages(client, target, body)
          yield* Effect.annotateCurrentSpan(graphAttributes(last, attempt))
          if (last._tag === "Accepted") return last.json
          if (last._tag === "MaybeSent") return yield* new E.SendOutcomeUnknown({ reason: last.reason })
          if (last._tag === "GraphError") {
            const { code, details, status } = last
            const graph = { code, details }
            if (code === 131047) return yield* new E.WindowClosed(graph)
            if (code === 131026) return yield* new E.RecipientUndeliverable(graph)
            if (code === 131051) return yield* new E.UnsupportedMessageType(graph)
            if (code >= 132000 && code < 133000) return yield* new E.TemplateRejected(graph)
            if (code === 190) {
              yield* channels.markUnhealthy(channel.id, `access token rejected (190): ${details}`).pipe(Effect.ignore)
              yield* Effect.logError("WhatsApp channel marked unhealthy: access token rejected").pipe(
                Effect.annotateLogs({ phoneNumberId: channel.phoneNumberId, code })
              )
              return yield* new E.ChannelUnauthorized({ ...graph, phoneNumberId: channel.phoneNumberId })
            }
            const rateLimited = E.RATE_LIMIT_CODES.has(code)
            if (!rateLimited && !E.TRANSIENT_CODES.has(code) && status < 500) return yield* new E.SendRejected({ ...graph, status })
            if (attempt === options.maxRetries) {
              return yield* rateLimited
                ? new E.RateLimited({ ...graph, attempts: attempt + 1 })
                : new E.GraphUnavailable({ status, reason: `${code}: ${details}`, attempts: attempt + 1 })
            }
            const delay = yield* backoff(attempt)
            if (code === 131056 && Option.isSome(recipient)) {
              yield* recipients.pushBack(`${channel.phoneNumberId}:${recipient.value}`, Duration.sum(options.pairRateBackoff, delay))
            } else if (rateLimited) {
              yield* numbers.pushBack(channel.phoneNumberId, delay)
            } else {
              yield* Effect.sleep(delay)
            }
            yield* Effect.logWarning("Graph API send retried").pipe(Effect.annotateLogs({ code, attempt: attempt + 1 }))
            continue
          }
          // NotSent: the connection was refused; safe to try again
          if (attempt < options.maxRetries) yield* Effect.sleep(yield* backoff(attempt))
        }
        return yield* new E.GraphUnavailable({ status: 0, reason: last._tag === "NotSent" ? last.reason : "unavailable", attempts: options.maxRetries + 1 })
      })

    const send = Effect.fn("WhatsApp.send")(function*(channel: Channel, to: string, body: OutboundBody, reference?: string) {
      yield* Effect.annotateCurrentSpan({ "wa.phone_number_id": channel.phoneNumberId, "wa.transport": channel.transport, "wa.type": body._tag })
      if (channel.transport === "sandbox") return { wamid: Wamid.make(`wamid.sandbox.${randomUUID()}`) }
      const json = yield* call(channel, Option.some(to), messageBody(to, body, reference))
      const accepted = decodeAccepted(json)
      if (Option.isNone(accepted)) return yield* new E.SendOutcomeUnknown({ reason: "accepted without messages[0].id" })
      return { wamid: Wamid.make(accepted.value.messages[0].id) }
    })

    return WhatsApp.of({
      send,
      sendText: (channel, to, text, o) => send(channel, to, { _tag: "text", text, replyTo: o?.replyTo ?? null }),
      sendTemplate: (channel, to, t) => send(channel, to, { _tag: "template", name: t.name, language: t.language, parameters: t.parameters ?? [] }),
      markRead: Effect.fn("WhatsApp.markRead")(function*(channel: Channel, wamid: string, o?: { readonly typing?: boolean }) {
        if (channel.transport === "sandbox") return
        yield* call(channel, Option.none(), {
          messaging_product: "whatsapp",
          status: "read",
          message_id: wamid,
          ...(o?.typing === true ? { typing_indicator: { type: "text" } } : {})
        })
      }),
      channel: (id) => Cache.get(byId, id)
    })
  })

export class WhatsApp extends Context.Service<WhatsApp, {
  /** `reference`: our id for the message, echoed in its statuses (`biz_opaque_callback_data`) */
  readonly send: (channel: Channel, to: string, body: OutboundBody, reference?: string) => Effect.Effect<{ readonly wamid: Wamid }, E.SendError>
  readonly sendText: (channel: Channel, to: string, text: string, options?: { readonly replyTo?: string }) => Effect.Effect<{ readonly wamid: Wamid }, E.SendError>
  readonly sendTemplate: (channel: Channel, to: string, template: { readonly name: string; readonly language: string; readonly parameters?: ReadonlyArray<string> }) => Effect.Effect<{ readonly wamid: Wamid }, E.SendError>
  /** Marks `wamid` (and earlier messages) read; `typing` also shows the typing indicator. */
  readonly markRead: (channel: Channel, wamid: string, options?: { readonly typing?: boolean }) => Effect.Effect<void, E.SendError>
  readonly channel: (id: ChannelId) => Effect.Effect<Channel, E.ChannelNotFound | ChannelStoreError>
}>()("wa/WhatsApp") {
  static readonly layerWith = (options: SenderOptions) => Layer.effect(WhatsApp, makeWhatsApp(options)).pipe(Layer.provide(graphAgent(options)))
  /** The default options, paced at `WHATSAPP_SEND_RATE` calls a second per number. */
  static readonly layer = Layer.unwrap(Effect.map(AppConfig, (config) => WhatsApp.layerWith({ ...defaultSenderOptions, perNumberPerSecond: config.whatsapp.sendRate })))
}
