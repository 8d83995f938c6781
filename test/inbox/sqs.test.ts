import { ReceiveMessageCommand } from "@aws-sdk/client-sqs"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Inbox } from "../../src/inbox/Inbox.ts"
import { groupKeyOf, makeSqsInbox } from "../../src/inbox/SqsInbox.ts"
import { change, entry, envelope, signed, text } from "../support/webhooks.ts"
import { fauxqsQueue } from "../support/fauxqs.ts"
import { contractOptions, inboxContract } from "./contract.ts"

const SqsInboxTest = Layer.effect(Inbox, Effect.gen(function*() {
  const { client, queueUrl } = yield* fauxqsQueue("inbox", contractOptions.maxAttempts)
  return yield* makeSqsInbox({ client, queueUrl }, contractOptions)
}))

describe("Inbox contract: SQS adapter (fauxqs)", () => {
  it.layer(SqsInboxTest, { excludeTestServices: true, timeout: "60 seconds" })((it) => inboxContract(it))
})

describe("SQS adapter specifics", () => {
  it.layer(Layer.empty, { excludeTestServices: true, timeout: "60 seconds" })((it) => {
    it.effect("FIFO group = phone_number_id:sender, deduplication by body hash, body kept byte-exact", () =>
      Effect.gen(function*() {
        const { client, queueUrl } = yield* fauxqsQueue("specifics", 3)
        const inbox = yield* makeSqsInbox({ client, queueUrl }, contractOptions)
        const payload = envelope(entry("waba", change({ phoneNumberId: "1090", messages: [text("15550001111", "Olá / ñ")] })))
        const { body } = signed("s", payload)
        assert.strictEqual(groupKeyOf(body), "1090:15550001111")
        yield* inbox.put({ body, signedBy: "fp" })
        yield* inbox.put({ body, signedBy: "fp" }) // a redelivery of the same bytes
        const received = yield* Effect.promise(() =>
          client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageSystemAttributeNames: ["MessageGroupId"] }))
        )
        assert.strictEqual(received.Messages?.length, 1)
        assert.strictEqual(received.Messages?.[0]?.Attributes?.MessageGroupId, "1090:15550001111")
        const bytes = new Uint8Array(256).map((_, i) => i) // not UTF-8: travels base64-encoded
        yield* inbox.put({ body: bytes, signedBy: "fp" })
        const items = yield* inbox.take(10).pipe(Effect.timeout("10 seconds"))
        const found = items.find((i) => i.body.length === 256)
        assert.deepStrictEqual(Array.from(found?.body ?? []), Array.from(bytes))
      }).pipe(Effect.scoped))
  })
})
