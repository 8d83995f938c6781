/**
 * The SQS inbox's client and its start-up check. Credentials and region come from the AWS SDK's
 * default provider chain (environment, SSO, web identity, shared config/credentials files and
 * profiles, ECS task role, EC2 instance role) unless keys are given explicitly. At start the
 * queue must exist, be FIFO and have a redrive policy (a dead-letter queue); otherwise start-up
 * stops with one line saying what is wrong.
 */
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs"
import { Effect, Option, Redacted, Schema } from "effect"
import type { SqsConfig } from "../config/aws.ts"

export class SqsQueueUnusable extends Schema.TaggedError<SqsQueueUnusable>()("SqsQueueUnusable", {
  reason: Schema.String
}) {
  override get message() {
    return `SQS inbox: ${this.reason}`
  }
}

export const makeSqsClient = (sqs: SqsConfig) =>
  new SQSClient({
    ...Option.match(sqs.region, { onNone: () => ({}), onSome: (region) => ({ region }) }),
    ...Option.match(sqs.endpointUrl, { onNone: () => ({}), onSome: (endpoint) => ({ endpoint }) }),
    ...Option.match(sqs.credentials, {
      onNone: () => ({}),
      onSome: (c) => ({
        credentials: {
          accessKeyId: c.accessKeyId,
          secretAccessKey: Redacted.value(c.secretAccessKey),
          ...Option.match(c.sessionToken, { onNone: () => ({}), onSome: (t) => ({ sessionToken: Redacted.value(t) }) })
        }
      })
    })
  })

const nameOf = (e: unknown) => (e instanceof Error ? e.name : "")

/** What an SDK error means to the operator, in one line. */
const explain = (queueUrl: string, e: unknown): string => {
  const name = nameOf(e)
  const message = e instanceof Error ? e.message.split("\n")[0] ?? "" : String(e)
  if (name === "QueueDoesNotExist" || name.endsWith("NonExistentQueue")) {
    return `no queue at SQS_QUEUE_URL ${queueUrl} (check the URL, the account and AWS_REGION)`
  }
  if (name === "CredentialsProviderError") {
    return "no AWS credentials found (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or SSO, a web identity token, an ECS task role or an EC2 instance role)"
  }
  if (/AccessDenied|UnrecognizedClient|InvalidClientTokenId|SignatureDoesNotMatch|ExpiredToken/.test(name)) {
    return `AWS refused sqs:GetQueueAttributes on ${queueUrl} (${name}): check the credentials and that the IAM policy allows the inbox's SQS actions`
  }
  if (/region is missing/i.test(message)) return "the AWS region is unknown: set AWS_REGION"
  return `SQS did not answer for ${queueUrl}: ${name === "" ? "" : `${name}: `}${message}`
}

/** Exists, FIFO, with a redrive policy; the SDK resolves credentials on this first call. */
export const checkQueue = (client: SQSClient, queueUrl: string) =>
  Effect.gen(function*() {
    const attributes = yield* Effect.tryPromise({
      try: (abortSignal) =>
        client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["FifoQueue", "RedrivePolicy"] }), { abortSignal }),
      catch: (e) => new SqsQueueUnusable({ reason: explain(queueUrl, e) })
    }).pipe(
      Effect.timeoutOrElse({
        duration: "15 seconds",
        orElse: () => Effect.fail(new SqsQueueUnusable({ reason: `no answer from SQS for ${queueUrl} within 15 s` }))
      })
    )
    const attrs = attributes.Attributes ?? {}
    if (attrs.FifoQueue !== "true") {
      return yield* new SqsQueueUnusable({
        reason: `${queueUrl} is a standard queue; the inbox needs a FIFO queue (a name ending in .fifo) to keep each lead's messages in order`
      })
    }
    if (attrs.RedrivePolicy === undefined || !attrs.RedrivePolicy.includes("deadLetterTargetArn")) {
      return yield* new SqsQueueUnusable({
        reason: `${queueUrl} has no redrive policy; give it a FIFO dead-letter queue (maxReceiveCount 5) so deliveries that keep failing are kept, not retried forever`
      })
    }
  }).pipe(Effect.withSpan("Inbox.checkQueue"))
