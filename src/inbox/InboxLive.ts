/** The inbox chosen by configuration: SQS when SQS_QUEUE_URL is set, else Postgres. */
import { SQSClient } from "@aws-sdk/client-sqs"
import { Effect, Layer, Option, Redacted } from "effect"
import { AppConfig } from "../config/AppConfig.ts"
import { Inbox } from "./Inbox.ts"
import { makePostgresInbox } from "./PostgresInbox.ts"
import { makeSqsInbox } from "./SqsInbox.ts"

export const InboxLive = Layer.effect(Inbox, Effect.gen(function*() {
  const config = yield* AppConfig
  if (Option.isNone(config.sqs)) return yield* makePostgresInbox()
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
}))
