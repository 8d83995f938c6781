/** How `npm run chat` shows the events of its lead's conversation, one line each. */
import { DateTime } from "effect"
import type { DomainEvent } from "../domain/events.ts"

const reason = (text: string | null) => (text === null || text === "" ? "" : ` — ${text}`)

/** The line for an event, if it is one a person playing the lead wants to see. */
export const describeEvent = (event: DomainEvent): string | undefined => {
  switch (event._tag) {
    case "MessageStored":
      return event.from === "LEAD" ? undefined : `${event.from === "BOT" ? "bot" : "human"} › ${event.content}`
    case "TurnDecided":
      return `· decided ${event.action}${reason(event.why)}`
    case "ModeChanged":
      return event.kind === "handoff"
        ? `· handed to a human${reason(event.reason)}`
        : event.kind === "takeover" ? "· a human took over the conversation" : "· released back to the bot"
    case "FollowUpChanged":
      return event.change === "scheduled"
        ? `· follow-up scheduled for ${DateTime.formatIso(event.dueAt)}`
        : `· follow-up ${event.change}${reason(event.reason)}`
    case "MessageStatusChanged":
    case "AssignmentChanged":
      return undefined
  }
}

/**
 * Whether the event ends the wait for an answer to the lead's last message. After a decision to
 * hand over (`handingOver`), the lead's notice is not the end: the handoff itself is.
 */
export const answers = (event: DomainEvent, handingOver: boolean): boolean => {
  switch (event._tag) {
    case "MessageStored":
      return event.from !== "LEAD" && !handingOver
    case "ModeChanged":
      return event.kind === "handoff"
    case "FollowUpChanged":
      return event.change === "scheduled"
    default:
      return false
  }
}
