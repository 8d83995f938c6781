/**
 * Scripted conversations for `npm run eval` (test/fixtures/conversations/*.json). Each turn is a
 * burst of lead messages, what must happen (action, handoff or not, reply language, what the reply
 * must and must not mention), and the model's recorded answers per HTL step, so the same
 * conversation runs deterministically in CI and live against a real model with the same scoring.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Schema } from "effect"
import { Action } from "../../src/domain/enums.ts"

export const CONVERSATIONS_DIR = new URL("../../test/fixtures/conversations/", import.meta.url).pathname

export const Expect = Schema.Struct({
  action: Schema.optional(Action),
  /** null: must not be handed to a person; a code ("model_decision", …): must be, for that reason. */
  handoff: Schema.optional(Schema.NullOr(Schema.String)),
  /** The reply's language; alternatives with "|" ("hi-Latn|en"). */
  language: Schema.optional(Schema.String),
  /** Each must appear in the reply (case-insensitive); alternatives with "|" ("49 USD|$49"). */
  mentions: Schema.optional(Schema.Array(Schema.String)),
  /** None may appear in the reply: a wrong message sent. */
  mustNotMention: Schema.optional(Schema.Array(Schema.String))
})
export type Expect = typeof Expect.Type

/** The model's answers, per step, in call order (a regenerated draft is the second "generate"). */
export const Recorded = Schema.Record(Schema.String, Schema.Array(Schema.Unknown))
export type Recorded = typeof Recorded.Type

export const Turn = Schema.Struct({
  lead: Schema.Array(Schema.String),
  windowOpen: Schema.optional(Schema.Boolean),
  expect: Expect,
  recorded: Schema.optional(Recorded)
})
export type Turn = typeof Turn.Type

export const Conversation = Schema.Struct({
  name: Schema.String,
  /** A business of test/fixtures/guardrails/businesses.json. */
  business: Schema.String,
  /** The lead's language: the scorecard's results per language. */
  language: Schema.String,
  leadName: Schema.optional(Schema.NullOr(Schema.String)),
  turns: Schema.Array(Turn)
})
export type Conversation = typeof Conversation.Type

const decode = Schema.decodeUnknownSync(Schema.fromJsonString(Conversation))
const encode = Schema.encodeSync(Conversation)

export const loadConversations = (prefix?: string): ReadonlyArray<Conversation> =>
  readdirSync(CONVERSATIONS_DIR)
    .filter((f) => f.endsWith(".json") && (prefix === undefined || f.startsWith(prefix)))
    .sort()
    .map((f) => {
      try {
        return decode(readFileSync(join(CONVERSATIONS_DIR, f), "utf8"))
      } catch (e) {
        throw new Error(`${f}: ${e instanceof Error ? e.message : String(e)}`)
      }
    })

/** Writes a conversation back (live `--record`: its turns now carry the model's answers). */
export const saveConversation = (c: Conversation) =>
  writeFileSync(join(CONVERSATIONS_DIR, `${c.name}.json`), `${JSON.stringify(encode(c), null, 2)}\n`)
