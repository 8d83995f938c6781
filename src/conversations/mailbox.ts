/** What a conversation actor can be told. Everything for one conversation goes through here. */
import type { Effect, Tracer } from "effect"
import type { ConversationKey, MessageId, ScheduledActionId } from "../domain/ids.ts"

export type Mail =
  /**
   * `origin`: the span that stored the message (the delivery's trace), for the turn's span links;
   * `urgent`: the lead asked for a person — the burst closes now, no quiet window
   */
  | { readonly _tag: "LeadMessage"; readonly messageId: MessageId; readonly origin?: Tracer.AnySpan | undefined; readonly urgent?: boolean }
  /** something may be unanswered (restart, a lease taken over, a poke from another process): look again */
  | { readonly _tag: "Resume" }
  | { readonly _tag: "FollowUpDue"; readonly scheduledActionId: ScheduledActionId }
  | { readonly _tag: "Takeover" }
  | { readonly _tag: "Release" }
  | { readonly _tag: "HumanMessageSent" }
  /** internal: the running turn ended (sent, dropped, failed or interrupted) */
  | { readonly _tag: "TurnDone" }
  /** internal: the conversation's lease expired and another process took it */
  | { readonly _tag: "LeaseLost" }
  /** internal: the actor's timer set for `at` rang (a burst's deadline, the end of an idle wait) */
  | { readonly _tag: "Alarm"; readonly at: number }

/** The work an actor runs, one at a time per conversation. Failures are the handler's to record. */
export interface TurnHandlers<R = never> {
  /**
   * a debounced burst of lead messages is complete; `origins`: the spans that stored its messages;
   * `overheard`: each lead message the actor hears of while the turn runs, in turn (null: one arrived
   * at another process, which poked this one)
   */
  readonly burst: (
    key: ConversationKey,
    origins: ReadonlyArray<Tracer.AnySpan>,
    overheard: Effect.Effect<MessageId | null>
  ) => Effect.Effect<void, never, R>
  /** a scheduled follow-up is due */
  readonly followUp: (key: ConversationKey, id: ScheduledActionId) => Effect.Effect<void, never, R>
  /** a person of the team wrote to the lead: the rolling summary takes it in */
  readonly humanWrote: (key: ConversationKey) => Effect.Effect<void, never, R>
}
