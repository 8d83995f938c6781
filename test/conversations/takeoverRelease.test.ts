/**
 * The dashboard's takeover and release (ConversationsView.setMode, what `POST
 * /conversations/{id}/takeover|release` call): a takeover ends the pending follow-ups at once; a
 * release re-arms the engine, so a lead message written while a person had the conversation is
 * answered by the bot.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { ConversationsView } from "../../src/dashboard/conversations/ConversationsView.ts"
import { HumanSend } from "../../src/dashboard/conversations/HumanSend.ts"
import type { Caller } from "../../src/domain/dashboard/auth.ts"
import { UserId } from "../../src/domain/ids.ts"
import { decision, goodDefaults } from "../support/htlFixtures.ts"
import { type ConversationRef, conversationOf, engineApp, FakeLlmServer, pause, poll, rowsOf, say, sentTo } from "./support.ts"

/** A person of the conversation's organization, as the dashboard knows them. */
const agentOf = (ref: ConversationRef, email: string) =>
  rowsOf<{ id: string }>((sql) =>
    sql`INSERT INTO users (organization_id, name, email, hashed_password, role)
        VALUES (${ref.organizationId}, 'Agent', ${email}, 'not-a-hash', 'agent') RETURNING id`).pipe(
    Effect.map((rows): Caller => ({ id: UserId.make(rows[0]?.id ?? ""), organizationId: ref.organizationId, role: "agent" }))
  )

const setMode = (caller: Caller, ref: ConversationRef, mode: "human" | "bot") =>
  Effect.flatMap(ConversationsView, (view) => view.setMode(caller, ref.conversationId, mode)).pipe(
    Effect.provide(ConversationsView.layer)
  )

const humanSays = (caller: Caller, ref: ConversationRef, text: string) =>
  Effect.flatMap(HumanSend, (send) => send.send(caller, { conversation_id: ref.conversationId, text })).pipe(
    Effect.provide(HumanSend.layer.pipe(Layer.provideMerge(ConversationsView.layer)))
  )

const messagesOf = (ref: ConversationRef) =>
  rowsOf<{ messageFrom: string; content: string }>((sql) =>
    sql`SELECT message_from, content FROM messages WHERE conversation_id = ${ref.conversationId} ORDER BY created_at, id`)

describe("takeover and release from the dashboard", () => {
  it.layer(engineApp(), { excludeTestServices: true, timeout: "60 seconds" })((it) => {
    it.effect("a takeover cancels the pending follow-up at once (reason: taken over); a release gives the waited-on message a turn again", () =>
      Effect.gen(function*() {
        const llm = yield* FakeLlmServer
        llm.respond("decide", () => ({ kind: "json", body: decision("WAIT_SCHEDULE", { minutes: 60, why: "lead is busy" }) }))
        yield* say("15550006001", "I'll get back to you")
        const ref = yield* conversationOf("15550006001")
        const followUps = rowsOf<{ status: string; outcome: string | null }>((sql) =>
          sql`SELECT status, outcome FROM scheduled_actions WHERE conversation_id = ${ref.conversationId}`)
        yield* poll(followUps, (rows) => rows[0]?.status === "PENDING")
        llm.respond("decide", goodDefaults.decide ?? (() => ({ kind: "json", body: decision() })))

        const agent = yield* agentOf(ref, "agent1@example.com")
        yield* setMode(agent, ref, "human")
        assert.deepStrictEqual(yield* followUps, [{ status: "CANCELLED", outcome: "taken over" }])

        // released without a person's answer: the message the bot had waited on gets a turn again
        yield* setMode(agent, ref, "bot")
        yield* poll(sentTo("15550006001"), (s) => s.length === 1, "5 seconds")
      }))

    it.effect("the lead writes while a person has the conversation; on release the bot answers that message", () =>
      Effect.gen(function*() {
        yield* say("15550006002", "hi, what do you sell?")
        yield* poll(sentTo("15550006002"), (s) => s.length === 1)
        const ref = yield* conversationOf("15550006002")
        const agent = yield* agentOf(ref, "agent2@example.com")
        yield* setMode(agent, ref, "human")
        yield* say("15550006002", "hello? how much is premium?")
        yield* pause(1000)
        assert.lengthOf(yield* sentTo("15550006002"), 1, "silent while a person has it")

        yield* setMode(agent, ref, "bot")
        yield* poll(sentTo("15550006002"), (s) => s.length === 2, "5 seconds")
        const messages = yield* messagesOf(ref)
        assert.deepStrictEqual(messages.map((m) => m.messageFrom), ["LEAD", "BOT", "LEAD", "BOT"])
      }))

    it.effect("a person's messages go into the rolling summary, so the bot knows what was said when it is released", () =>
      Effect.gen(function*() {
        const llm = yield* FakeLlmServer
        yield* say("15550006004", "can someone install it at my shop?")
        yield* poll(sentTo("15550006004"), (s) => s.length === 1)
        const ref = yield* conversationOf("15550006004")
        const agent = yield* agentOf(ref, "agent4@example.com")
        yield* humanSays(agent, ref, "Hi, I'm Marta. Our installer can come on Tuesday at 10.")
        const summaries = yield* poll(
          Effect.sync(() => llm.stepRequests("summarize").filter((r) => r.user.includes("installer can come on Tuesday"))),
          (r) => r.length === 1
        )
        assert.include(summaries[0]?.user ?? "", "Agent: Hi, I'm Marta.")
        assert.include(summaries[0]?.user ?? "", "Lead: can someone install it")
        assert.strictEqual((yield* messagesOf(ref)).at(-1)?.messageFrom, "HUMAN")
      }))

    it.effect("a release with nothing unanswered: the bot stays quiet", () =>
      Effect.gen(function*() {
        yield* say("15550006003", "hi, what do you sell?")
        yield* poll(sentTo("15550006003"), (s) => s.length === 1)
        const ref = yield* conversationOf("15550006003")
        const agent = yield* agentOf(ref, "agent3@example.com")
        yield* setMode(agent, ref, "human")
        yield* setMode(agent, ref, "bot")
        yield* pause(1500)
        assert.lengthOf(yield* sentTo("15550006003"), 1)
        assert.deepStrictEqual((yield* messagesOf(ref)).map((m) => m.messageFrom), ["LEAD", "BOT"])
      }))
  })
})
