/**
 * The durable inbox between the webhook and its consumers (SPEC §1): a delivery acked to
 * Meta is in here. Two adapters pass the same contract (test/inbox/contract.ts):
 * Postgres (`webhook_inbox`, LISTEN/NOTIFY) and SQS FIFO (long polling, DLQ by redrive).
 */
import { Context, Duration, Schema } from "effect"
import type { Effect } from "effect"

export class InboxError extends Schema.TaggedError<InboxError>()("InboxError", {
  reason: Schema.String
}) {
  override get message() {
    return this.reason
  }
}

/** The queue cannot carry a delivery this large (SQS: 256 KiB a message); it must be kept another way. */
export class DeliveryTooLarge extends Schema.TaggedError<DeliveryTooLarge>()("DeliveryTooLarge", {
  bytes: Schema.Int,
  maxBytes: Schema.Int
}) {
  override get message() {
    return `the delivery is ${this.bytes} bytes; the queue takes at most ${this.maxBytes}`
  }
}

export interface Delivery {
  /** The raw body, exactly as signed. */
  readonly body: Uint8Array
  /** Fingerprint of the app secret that verified it. */
  readonly signedBy: string
  /**
   * The `X-Hub-Signature-256` it arrived with: a worker forwards it with the bytes, and the API
   * checks it again (the internal RPC does not take a worker's word for `signedBy`).
   */
  readonly signature?: string | undefined
  /** W3C `traceparent` of the intake span: the consumer's span becomes its child. */
  readonly traceparent?: string | undefined
}

export interface InboxItem extends Delivery {
  readonly id: string
  /** How many times this item was handed out, this time included. */
  readonly attempts: number
  /** Adapter handle for complete/retry/park (row version, SQS receipt handle). */
  readonly receipt: string
}

export interface ParkedItem extends Delivery {
  readonly id: string
  readonly attempts: number
  readonly reason: string
}

export interface InboxOptions {
  /** A taken item not completed within this is offered again (its consumer died). */
  readonly visibilityTimeout: Duration.Duration
  /** After this many attempts an item is parked (dead-lettered). */
  readonly maxAttempts: number
  /** How long a failed item stays invisible before the next attempt. */
  readonly retryDelay: Duration.Duration
}

export const defaultInboxOptions: InboxOptions = {
  visibilityTimeout: Duration.seconds(60),
  maxAttempts: 5,
  retryDelay: Duration.seconds(2)
}

export interface InboxShape {
  readonly kind: "postgres" | "sqs"
  /** Durably stores a delivery; when this succeeds the webhook may answer 200. */
  readonly put: (delivery: Delivery) => Effect.Effect<void, InboxError | DeliveryTooLarge>
  /** Waits (on a signal or a long poll, never a sleep loop) until at least one item is visible. */
  readonly take: (max: number) => Effect.Effect<ReadonlyArray<InboxItem>, InboxError>
  /** Processed: never offered again. */
  readonly complete: (item: InboxItem) => Effect.Effect<void, InboxError>
  /** Failed: offered again after the retry delay, or parked once attempts are used up. */
  readonly retry: (item: InboxItem, error: string) => Effect.Effect<"retrying" | "parked", InboxError>
  /** Never processable (e.g. not a webhook envelope): kept with the reason, never offered again. */
  readonly park: (item: InboxItem, reason: string) => Effect.Effect<void, InboxError>
  /** Parked items, for inspection. */
  readonly parked: (limit: number) => Effect.Effect<ReadonlyArray<ParkedItem>, InboxError>
  /** For the depth/age gauges: items waiting, and the oldest one's age when the adapter knows it. */
  readonly stats: Effect.Effect<InboxStats, InboxError>
}

export interface InboxStats {
  readonly depth: number
  readonly oldestAgeMs: number | null
}

export class Inbox extends Context.Service<Inbox, InboxShape>()("wa/Inbox") {}
