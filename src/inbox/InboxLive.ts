/** The inbox chosen by configuration: SQS when SQS_QUEUE_URL is set, else Postgres. */
import { Effect, Layer, Option } from "effect"
import { AppConfig } from "../config/AppConfig.ts"
import { Inbox } from "./Inbox.ts"
import { makePostgresInbox } from "./PostgresInbox.ts"
import { makeSqsInbox } from "./SqsInbox.ts"
import { checkQueue, makeSqsClient } from "./sqsQueue.ts"

/** SQS only: a worker (no database) has no other inbox; split roles require SQS_QUEUE_URL. */
const makeConfiguredSqsInbox = Effect.gen(function*() {
  const config = yield* AppConfig
  if (Option.isNone(config.sqs)) return yield* Effect.die("SQS_QUEUE_URL is unset (AppConfig requires it for split roles)")
  const sqs = config.sqs.value
  const client = yield* Effect.acquireRelease(Effect.sync(() => makeSqsClient(sqs)), (c) => Effect.sync(() => c.destroy()))
  yield* checkQueue(client, sqs.queueUrl)
  return yield* makeSqsInbox({ client, queueUrl: sqs.queueUrl })
})

export const SqsInboxLive = Layer.effect(Inbox, makeConfiguredSqsInbox)

export const InboxLive = Layer.effect(Inbox, Effect.gen(function*() {
  const config = yield* AppConfig
  return Option.isNone(config.sqs) ? yield* makePostgresInbox() : yield* makeConfiguredSqsInbox
}))
