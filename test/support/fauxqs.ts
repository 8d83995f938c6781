/** An in-process SQS (fauxqs) on 127.0.0.1 with a FIFO queue and its redrive DLQ. */
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs"
import { Effect } from "effect"
import { startFauxqs } from "fauxqs"

export const sqsClient = (endpoint: string) =>
  new SQSClient({ endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } })

/** Starts fauxqs (stopped with the scope) and creates `<name>.fifo` with a DLQ after `maxReceiveCount`. */
export const fauxqsQueue = (name: string, maxReceiveCount: number) =>
  Effect.gen(function*() {
    const server = yield* Effect.acquireRelease(
      Effect.promise(() => startFauxqs({ port: 0, host: "127.0.0.1", logger: false })),
      (s) => Effect.promise(() => s.stop())
    )
    const client = yield* Effect.acquireRelease(Effect.sync(() => sqsClient(server.address)), (c) => Effect.sync(() => c.destroy()))
    const fifo = { FifoQueue: "true" }
    const dlq = yield* Effect.promise(() => client.send(new CreateQueueCommand({ QueueName: `${name}-dlq.fifo`, Attributes: fifo })))
    const dlqArn = yield* Effect.promise(() =>
      client.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ["QueueArn"] }))
    ).pipe(Effect.map((r) => r.Attributes?.QueueArn ?? ""))
    const queue = yield* Effect.promise(() =>
      client.send(new CreateQueueCommand({
        QueueName: `${name}.fifo`,
        Attributes: {
          ...fifo,
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: String(maxReceiveCount) })
        }
      }))
    )
    return { server, client, queueUrl: queue.QueueUrl ?? "", dlqUrl: dlq.QueueUrl ?? "" }
  })

/** The app's environment for a fauxqs queue (fauxqs names the host sqs.<region>.<host>: the path is what identifies the queue). */
export const sqsEnv = (sqs: { readonly server: { readonly address: string }; readonly queueUrl: string }) => ({
  SQS_QUEUE_URL: `${sqs.server.address}${new URL(sqs.queueUrl.replace(/^http:\/\/[^/]+/, "http://x")).pathname}`,
  AWS_ENDPOINT_URL: sqs.server.address,
  AWS_ACCESS_KEY_ID: "test",
  AWS_SECRET_ACCESS_KEY: "test"
})
