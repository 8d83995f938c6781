import { describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Inbox } from "../../src/inbox/Inbox.ts"
import { makeSqsInbox } from "../../src/inbox/SqsInbox.ts"
import { fauxqsQueue } from "../support/fauxqs.ts"
import { contractOptions, inboxContract } from "./contract.ts"

const SqsInboxTest = Layer.effect(Inbox, Effect.gen(function*() {
  const { client, queueUrl } = yield* fauxqsQueue("inbox", contractOptions.maxAttempts)
  return yield* makeSqsInbox({ client, queueUrl }, contractOptions)
}))

describe("Inbox contract: SQS adapter (fauxqs)", () => {
  it.layer(SqsInboxTest, { excludeTestServices: true, timeout: "60 seconds" })((it) => inboxContract(it))
})
