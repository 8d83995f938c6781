/** The inbox chosen by configuration: SQS when SQS_QUEUE_URL is set, else Postgres. */
import { SQSClient } from "@aws-sdk/client-sqs"
import { Effect, Layer, Option, Redacted } from "effect"
import { AppConfig } from "../config/AppConfig.ts"
import { Inbox } from "./Inbox.ts"
import { makePostgresInbox } from "./PostgresInbox.ts"
import { makeSqsInbox } from "./SqsInbox.ts"

/** SQS only: a worker (no database) has no other inbox; split roles require SQS_QUEUE_URL. */
const makeConfiguredSqsInbox = Effect.gen(function*() {
  const config = yield* AppConfig
  if (Option.isNone(config.sqs)) return yield* Effect.die("SQS_QUEUE_URL is unset (AppConfig requires it for split roles)")
  const sqs = config.sqs.value
  const client = yield* Effect.acquireRelease(
    Effect.sync(() =>
      new SQSClient({
        region: sqs.region,
        ...Option.match(sqs.endpointUrl, { onNone: () => ({}), onSome: (endpoint) => ({ endpoint }) }),
        ...Option.match(sqs.credentials, {
          onNone: () => ({}),
          onSome: (c) => ({ credentials: { accessKeyId: c.accessKeyId, secretAccessKey: Redacted.value(c.secretAccessKey) } })
        })
      })
    ),
    (c) => Effect.sync(() => c.destroy())
  )
  return yield* makeSqsInbox({ client, queueUrl: sqs.queueUrl })
})

export const SqsInboxLive = Layer.effect(Inbox, makeConfiguredSqsInbox)

export const InboxLive = Layer.effect(Inbox, Effect.gen(function*() {
  const config = yield* AppConfig
  return Option.isNone(config.sqs) ? yield* makePostgresInbox() : yield* makeConfiguredSqsInbox
}))
