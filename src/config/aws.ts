/**
 * The SQS inbox's settings. Credentials and region are the AWS SDK's business (its default
 * provider chain) unless given: keys only as a pair, with AWS_SESSION_TOKEN when there is one.
 */
import { Effect, Option, type Redacted } from "effect"
import { httpUrl, invalid, optional, secret, text } from "./read.ts"
import { awsRegionOfQueue } from "./values.ts"

export interface SqsConfig {
  readonly queueUrl: string
  /** AWS_REGION, else the region of an `sqs.<region>.amazonaws.com` queue URL (us-east-1 for an AWS_ENDPOINT_URL emulator), else the SDK's chain. */
  readonly region: Option.Option<string>
  readonly endpointUrl: Option.Option<string>
  /** AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN) when given; else the SDK's default chain. */
  readonly credentials: Option.Option<{
    readonly accessKeyId: string
    readonly secretAccessKey: Redacted.Redacted
    readonly sessionToken: Option.Option<Redacted.Redacted>
  }>
}

export const readSqs = Effect.gen(function*() {
  const queueUrl = yield* optional("SQS_QUEUE_URL", httpUrl)
  const region = yield* optional("AWS_REGION", text)
  const endpointUrl = yield* optional("AWS_ENDPOINT_URL", httpUrl)
  const accessKeyId = yield* optional("AWS_ACCESS_KEY_ID", text)
  const secretAccessKey = yield* secret("AWS_SECRET_ACCESS_KEY")
  const sessionToken = yield* secret("AWS_SESSION_TOKEN")
  if (Option.isSome(accessKeyId) !== Option.isSome(secretAccessKey)) {
    const [missing, given] = Option.isSome(accessKeyId)
      ? ["AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID"]
      : ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]
    yield* invalid(missing, `is required when ${given} is set (or unset both: the SDK's default credential chain)`)
  }
  const credentials = Option.map(Option.all({ accessKeyId, secretAccessKey }), (c) => ({ ...c, sessionToken }))
  return Option.map(queueUrl, (url): SqsConfig => ({
    queueUrl: url,
    // a local emulator (AWS_ENDPOINT_URL) takes any region
    region: Option.orElse(region, () => Option.orElse(awsRegionOfQueue(url), () => Option.as(endpointUrl, "us-east-1"))),
    endpointUrl,
    credentials
  }))
})
