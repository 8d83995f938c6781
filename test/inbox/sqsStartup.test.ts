/**
 * The SQS inbox at start (fauxqs on 127.0.0.1): the queue must exist, be FIFO and have a redrive
 * policy, or start-up stops with one line saying what is wrong. Credentials come from the AWS
 * SDK's default chain unless keys are given: a shared credentials file is enough, none is one line.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { CreateQueueCommand } from "@aws-sdk/client-sqs"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option, Redacted } from "effect"
import { afterAll } from "vitest"
import { checkQueue, makeSqsClient } from "../../src/inbox/sqsQueue.ts"
import { fauxqsQueue, sqsEnv } from "../support/fauxqs.ts"
import { killAll, startService } from "../support/processes.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

const problem = (endpoint: string, queueUrl: string) =>
  checkQueue(
    makeSqsClient({
      queueUrl,
      region: Option.some("us-east-1"),
      endpointUrl: Option.some(endpoint),
      credentials: Option.some({ accessKeyId: "test", secretAccessKey: Redacted.make("test"), sessionToken: Option.none() })
    }),
    queueUrl
  ).pipe(Effect.flip, Effect.map((e) => e.message))

/** Exit code and last output line of a service that is expected to stop at start. */
const refusedStart = (env: Record<string, string | undefined>) =>
  Effect.gen(function*() {
    const service = yield* Effect.promise(() => startService(env))
    const code = yield* Effect.promise(() => new Promise<number | null>((resolve) => service.child.once("exit", resolve)))
    return { code, last: service.output().trim().split("\n").at(-1) ?? "" }
  })

describe("the SQS queue, checked at start", () => {
  afterAll(killAll)

  it.live("missing, standard, or without a redrive policy: one line each; a FIFO queue with a DLQ passes", () =>
    Effect.gen(function*() {
      const sqs = yield* fauxqsQueue("startup", 5)
      const endpoint = sqs.server.address
      const url = (name: string) => `${endpoint}/000000000000/${name}`
      assert.strictEqual(
        yield* problem(endpoint, url("nope.fifo")),
        `SQS inbox: no queue at SQS_QUEUE_URL ${url("nope.fifo")} (check the URL, the account and AWS_REGION)`
      )
      yield* Effect.promise(() => sqs.client.send(new CreateQueueCommand({ QueueName: "standard" })))
      assert.strictEqual(
        yield* problem(endpoint, url("standard")),
        `SQS inbox: ${url("standard")} is a standard queue; the inbox needs a FIFO queue (a name ending in .fifo) to keep each lead's messages in order`
      )
      yield* Effect.promise(() => sqs.client.send(new CreateQueueCommand({ QueueName: "no-dlq.fifo", Attributes: { FifoQueue: "true" } })))
      assert.strictEqual(
        yield* problem(endpoint, url("no-dlq.fifo")),
        `SQS inbox: ${url("no-dlq.fifo")} has no redrive policy; give it a FIFO dead-letter queue (maxReceiveCount 5) so deliveries that keep failing are kept, not retried forever`
      )
      const good = sqsEnv(sqs).SQS_QUEUE_URL
      yield* checkQueue(
        makeSqsClient({
          queueUrl: good,
          region: Option.some("us-east-1"),
          endpointUrl: Option.some(endpoint),
          credentials: Option.some({ accessKeyId: "test", secretAccessKey: Redacted.make("test"), sessionToken: Option.none() })
        }),
        good
      )
    }).pipe(Effect.scoped))

  it.layer(TestDatabase.layer, { excludeTestServices: true, timeout: "90 seconds" })((it) => {
    it.effect("a service on a queue without a redrive policy stops at start with that one line; credentials from the default chain (a shared credentials file) work; none is one line", () =>
      Effect.gen(function*() {
        const db = yield* TestDatabase
        const sqs = yield* fauxqsQueue("chain", 5)
        yield* Effect.promise(() => sqs.client.send(new CreateQueueCommand({ QueueName: "plain.fifo", Attributes: { FifoQueue: "true" } })))
        const home = yield* Effect.acquireRelease(
          Effect.promise(() => mkdtemp(join(tmpdir(), "wa-aws-"))),
          (dir) => Effect.promise(() => rm(dir, { recursive: true, force: true }))
        )
        const base = {
          DATABASE_URL: Redacted.value(db.url),
          ...sqsEnv(sqs),
          // no keys in the environment: the SDK's chain decides; no instance metadata service here
          AWS_ACCESS_KEY_ID: undefined,
          AWS_SECRET_ACCESS_KEY: undefined,
          AWS_SESSION_TOKEN: undefined,
          AWS_PROFILE: undefined,
          HOME: home,
          AWS_SHARED_CREDENTIALS_FILE: join(home, "credentials"),
          AWS_CONFIG_FILE: join(home, "config"),
          AWS_EC2_METADATA_DISABLED: "true"
        }

        const none = yield* refusedStart(base)
        assert.strictEqual(none.code, 1)
        assert.strictEqual(
          none.last,
          "SQS inbox: no AWS credentials found (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or SSO, a web identity token, an ECS task role or an EC2 instance role)"
        )

        yield* Effect.promise(() => writeFile(join(home, "credentials"), "[default]\naws_access_key_id = AKIDFROMFILE\naws_secret_access_key = from-the-file\n"))
        const noDlq = yield* refusedStart({ ...base, SQS_QUEUE_URL: base.SQS_QUEUE_URL.replace(/[^/]+$/, "plain.fifo") })
        assert.strictEqual(noDlq.code, 1)
        assert.match(noDlq.last, /^SQS inbox: .*plain\.fifo has no redrive policy; give it a FIFO dead-letter queue/)

        const service = yield* Effect.promise(() => startService(base))
        yield* Effect.promise(() => service.waitHealthy())
        const ready = yield* Effect.promise(() => fetch(`http://127.0.0.1:${service.port}/health/ready`).then((r) => r.json()))
        assert.deepStrictEqual(ready, { status: "ready", checks: { database: "ok", inbox: "ok" } })
        assert.strictEqual((yield* Effect.promise(() => service.stop("SIGTERM"))).code, 0)
      }).pipe(Effect.scoped))
  })
})
