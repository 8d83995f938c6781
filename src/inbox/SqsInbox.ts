/**
 * The SQS inbox (when SQS_QUEUE_URL is set): a FIFO queue. MessageGroupId = phone_number_id +
 * sender (one lead's deliveries stay ordered), deduplication id = SHA-256 of the body, long
 * polling, delete only after success. Parked = moved to the queue's redrive DLQ (SQS also
 * moves items whose consumers died maxReceiveCount times).
 */
import { createHash } from "node:crypto"
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient
} from "@aws-sdk/client-sqs"
import { Duration, Effect, Option, Schema } from "effect"
import { type Delivery, DeliveryTooLarge, Inbox, InboxError, type InboxItem, type InboxOptions, defaultInboxOptions } from "./Inbox.ts"

/** An SQS call that answers within `timeout` or is aborted (a hung connection never holds intake). */
const aws = <A>(what: string, f: (signal: AbortSignal) => Promise<A>, timeout: Duration.Input = CALL_TIMEOUT) =>
  Effect.tryPromise({ try: f, catch: (e) => new InboxError({ reason: `${what}: ${e instanceof Error ? e.message : String(e)}` }) }).pipe(
    Effect.timeoutOrElse({
      duration: timeout,
      orElse: () => Effect.fail(new InboxError({ reason: `${what}: no answer within ${Duration.format(Duration.fromInputUnsafe(timeout))}` }))
    })
  )

/** SQS's limit for one message (body and attributes). */
export const SQS_MAX_MESSAGE_BYTES = 256 * 1024
const ATTRIBUTES_ALLOWANCE = 2 * 1024

/** Most calls; a long-polling receive gets its wait on top. */
const CALL_TIMEOUT = Duration.seconds(10)

/** Just enough of the envelope to pick the FIFO group: the number and the first sender. */
const Routing = Schema.fromJsonString(Schema.Struct({
  entry: Schema.Array(Schema.Struct({
    changes: Schema.Array(Schema.Struct({
      value: Schema.Struct({
        metadata: Schema.optionalKey(Schema.Struct({ phone_number_id: Schema.String })),
        messages: Schema.optionalKey(Schema.Array(Schema.Struct({ from: Schema.optionalKey(Schema.String), from_user_id: Schema.optionalKey(Schema.String) }))),
        statuses: Schema.optionalKey(Schema.Array(Schema.Struct({ recipient_id: Schema.optionalKey(Schema.String), recipient_user_id: Schema.optionalKey(Schema.String) })))
      })
    }))
  }))
}))
const decodeRouting = Schema.decodeUnknownOption(Routing)

const utf8 = new TextDecoder("utf-8", { fatal: true })

export const groupKeyOf = (body: Uint8Array): string => {
  const text = Option.liftThrowable(() => utf8.decode(body))()
  const value = Option.flatMap(text, decodeRouting).pipe(Option.flatMap((r) => Option.fromNullishOr(r.entry[0]?.changes[0]?.value)))
  if (Option.isNone(value)) return "unroutable"
  const v = value.value
  const m = v.messages?.[0]
  const s = v.statuses?.[0]
  const sender = m?.from ?? m?.from_user_id ?? s?.recipient_id ?? s?.recipient_user_id ?? "-"
  return `${v.metadata?.phone_number_id ?? "-"}:${sender}`.replace(/[^\w!"#$%&'()*+,\-./:;<=>?@[\\\]^`{|}~]/g, "_").slice(0, 128)
}

const SQS_TEXT = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u

const encodeBody = (body: Uint8Array): { text: string; enc: "utf8" | "base64" } => {
  const text = Option.liftThrowable(() => utf8.decode(body))()
  return Option.isSome(text) && SQS_TEXT.test(text.value)
    ? { text: text.value, enc: "utf8" }
    : { text: Buffer.from(body).toString("base64"), enc: "base64" }
}

const attr = (m: Message, name: string) => m.MessageAttributes?.[name]?.StringValue

const decodeBody = (m: Message): Uint8Array =>
  attr(m, "enc") === "base64" ? Buffer.from(m.Body ?? "", "base64") : Buffer.from(m.Body ?? "", "utf8")

export interface SqsInboxConfig {
  readonly client: SQSClient
  readonly queueUrl: string
}

export const makeSqsInbox = (config: SqsInboxConfig, options: InboxOptions = defaultInboxOptions) =>
  Effect.gen(function*() {
    const { client, queueUrl } = config
    const vtSeconds = Math.max(1, Math.round(Duration.toSeconds(options.visibilityTimeout)))
    const retrySeconds = Math.round(Duration.toSeconds(options.retryDelay))

    // the DLQ named by the queue's redrive policy, looked up on first use
    const dlqUrl = yield* Effect.cached(Effect.gen(function*() {
      const attrs = yield* aws("GetQueueAttributes", (abortSignal) =>
        client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["RedrivePolicy"] }), { abortSignal }))
      const policy = attrs.Attributes?.RedrivePolicy
      const arn = policy === undefined ? undefined : /"deadLetterTargetArn"\s*:\s*"([^"]+)"/.exec(policy)?.[1]
      const name = arn?.split(":").at(-1)
      if (name === undefined) return yield* new InboxError({ reason: "the SQS queue has no redrive policy (DLQ)" })
      const url = yield* aws("GetQueueUrl", (abortSignal) => client.send(new GetQueueUrlCommand({ QueueName: name }), { abortSignal }))
      return url.QueueUrl ?? (yield* new InboxError({ reason: "DLQ url not found" }))
    }))

    const remove = (item: InboxItem) =>
      aws("DeleteMessage", (abortSignal) =>
        client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: item.receipt }), { abortSignal })).pipe(Effect.asVoid)

    const moveToDlq = Effect.fn("Inbox.park")(function*(item: InboxItem, reason: string) {
      const url = yield* dlqUrl
      const body = encodeBody(item.body)
      yield* aws("SendMessage(DLQ)", (abortSignal) =>
        client.send(new SendMessageCommand({
          QueueUrl: url,
          MessageBody: body.text,
          ...(url.endsWith(".fifo") ? { MessageGroupId: `parked-${item.id}`.slice(0, 128), MessageDeduplicationId: `${item.id}-${item.attempts}` } : {}),
          MessageAttributes: {
            enc: { DataType: "String", StringValue: body.enc },
            signed_by: { DataType: "String", StringValue: item.signedBy || "-" },
            ...(item.signature === undefined ? {} : { signature: { DataType: "String", StringValue: item.signature } }),
            park_reason: { DataType: "String", StringValue: reason.slice(0, 1000) || "parked" },
            attempts: { DataType: "Number", StringValue: String(item.attempts) }
          }
        }), { abortSignal }))
      yield* remove(item)
    })

    const toItem = (m: Message): InboxItem => ({
      id: m.MessageId ?? "",
      body: decodeBody(m),
      signedBy: attr(m, "signed_by") ?? "",
      signature: attr(m, "signature"),
      attempts: Number(m.Attributes?.ApproximateReceiveCount ?? "1"),
      receipt: m.ReceiptHandle ?? "",
      traceparent: attr(m, "traceparent")
    })

    const receiveOnce = (url: string, max: number, visibility: number, wait: number) =>
      aws("ReceiveMessage", (abortSignal) =>
        client.send(new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: Math.min(10, Math.max(1, max)),
          WaitTimeSeconds: wait,
          VisibilityTimeout: visibility,
          MessageSystemAttributeNames: ["ApproximateReceiveCount"],
          MessageAttributeNames: ["All"]
        }), { abortSignal }), Duration.sum(CALL_TIMEOUT, Duration.seconds(wait))).pipe(Effect.map((r) => r.Messages ?? []))

    return Inbox.of({
      kind: "sqs",
      put: Effect.fn("Inbox.put")(function*(delivery: Delivery) {
        const body = encodeBody(delivery.body)
        // body and attributes count; a few KiB are left for the attributes and their names
        const bytes = Buffer.byteLength(body.text, "utf8") + ATTRIBUTES_ALLOWANCE
        if (bytes > SQS_MAX_MESSAGE_BYTES) return yield* new DeliveryTooLarge({ bytes, maxBytes: SQS_MAX_MESSAGE_BYTES })
        yield* aws("SendMessage", (abortSignal) =>
          client.send(new SendMessageCommand({
            QueueUrl: queueUrl,
            MessageBody: body.text,
            MessageGroupId: groupKeyOf(delivery.body),
            MessageDeduplicationId: createHash("sha256").update(delivery.body).digest("hex"),
            MessageAttributes: {
              enc: { DataType: "String", StringValue: body.enc },
              signed_by: { DataType: "String", StringValue: delivery.signedBy || "-" },
              ...(delivery.signature === undefined ? {} : { signature: { DataType: "String", StringValue: delivery.signature } }),
              ...(delivery.traceparent === undefined ? {} : { traceparent: { DataType: "String", StringValue: delivery.traceparent } })
            }
          }), { abortSignal }))
      }),
      take: Effect.fn("Inbox.take")(function*(max: number) {
        while (true) {
          const messages = yield* receiveOnce(queueUrl, max, vtSeconds, 20) // long poll
          if (messages.length > 0) return messages.map(toItem)
        }
      }),
      complete: remove,
      retry: (item, error) =>
        item.attempts >= options.maxAttempts
          ? moveToDlq(item, error).pipe(Effect.as("parked" as const))
          : aws("ChangeMessageVisibility", (abortSignal) =>
            client.send(new ChangeMessageVisibilityCommand({
              QueueUrl: queueUrl,
              ReceiptHandle: item.receipt,
              VisibilityTimeout: retrySeconds * item.attempts
            }), { abortSignal })).pipe(Effect.as("retrying" as const)),
      park: moveToDlq,
      // SQS tells the depth (approximately), not the oldest message's age (that is CloudWatch's)
      stats: aws("GetQueueAttributes", (abortSignal) =>
        client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages"] }), { abortSignal })).pipe(
          Effect.map((r) => ({ depth: Number(r.Attributes?.ApproximateNumberOfMessages ?? "0"), oldestAgeMs: null }))
        ),
      // a peek: received with visibility 0, so the items stay in the DLQ
      parked: (limit) =>
        Effect.flatMap(dlqUrl, (url) => receiveOnce(url, limit, 0, 0)).pipe(
          Effect.map((ms) => ms.map((m) => ({
            id: m.MessageId ?? "",
            body: decodeBody(m),
            signedBy: attr(m, "signed_by") ?? "",
            signature: attr(m, "signature"),
            attempts: Number(attr(m, "attempts") ?? m.Attributes?.ApproximateReceiveCount ?? "0"),
            reason: attr(m, "park_reason") ?? "maxReceiveCount exceeded"
          })))
        )
    })
  })
