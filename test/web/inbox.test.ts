/**
 * The web inbox in headless Chromium against the real app (fake LLM and Graph API on 127.0.0.1,
 * real Postgres): join with an invite code, sign out and in, a lead's message arriving live, the
 * bot's answer and its delivery status, the turn's decision on demand, take over, a person's
 * message, release, a handoff under "needs attention", a template when the window is closed, a
 * follow-up cancelled, and the analytics page. Screenshots of the inbox, a conversation and analytics go to
 * docs/screenshots/ (the README shows them).
 */
import { mkdirSync } from "node:fs"
import { describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { HttpServer } from "effect/http"
import { SqlClient } from "effect/sql"
import type { Page } from "playwright-core"
import { chromiumPath, launchBrowser, MISSING_BROWSER } from "../support/browser.ts"
import { GOOD_REPLY } from "../support/htlFixtures.ts"
import { change, deliver, entry, envelope, status } from "../support/webhooks.ts"
import { conversationOf, engineApp, PN, poll, say, SECRET, sentTo } from "../conversations/support.ts"

const SCREENSHOTS = new URL("../../docs/screenshots/", import.meta.url).pathname
const PASSWORD = "a long enough password"

const browserPath = chromiumPath()
const inCi = (process.env.CI ?? "") !== "" && process.env.CI !== "false"

const baseUrl = Effect.map(HttpServer.HttpServer, (server) =>
  server.address._tag === "UnixPathAddress" ? "http://127.0.0.1" : `http://127.0.0.1:${server.address.port}`)

/** One Playwright step as an Effect. */
const ui = <A>(f: () => Promise<A>) => Effect.promise(f)

const visible = (page: Page, selector: string, hasText?: string | RegExp) =>
  ui(() => page.locator(selector, hasText === undefined ? {} : { hasText }).first().waitFor({ state: "visible" }))

/** The bot's newest message to the lead, as the Graph API accepted it. */
const botWamid = (conversationId: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ wamid: string | null }>`SELECT wamid FROM messages WHERE conversation_id = ${conversationId} AND message_from = 'BOT'
      ORDER BY created_at DESC LIMIT 1`).pipe(Effect.map((rows) => rows[0]?.wamid ?? null), Effect.orDie)

const suite = browserPath === null && !inCi ? describe.skip : describe

if (browserPath === null) console.warn(`web inbox browser tests: ${MISSING_BROWSER}${inCi ? "" : " — skipped"}`)

suite(`web inbox in headless Chromium${browserPath === null ? ` (${MISSING_BROWSER})` : ""}`, () => {
  it.layer(engineApp(), { excludeTestServices: true, timeout: "60 seconds" })((it) => {
    it.effect("a salesperson signs in, watches a lead arrive live, takes over, answers, releases; analytics render", () =>
      Effect.gen(function*() {
        if (browserPath === null) return yield* Effect.die(new Error(`browser tests need a browser: ${MISSING_BROWSER}`))
        const base = yield* baseUrl
        const sql = yield* SqlClient.SqlClient
        const [org] = yield* sql<{ inviteCode: string }>`SELECT invite_code FROM organizations WHERE is_default`
        const browser = yield* launchBrowser(browserPath)
        const context = yield* ui(() => browser.newContext({ viewport: { width: 1366, height: 820 }, locale: "en-US", timezoneId: "UTC" }))
        const page = yield* ui(() => context.newPage())
        page.setDefaultTimeout(20_000)
        const errors: Array<string> = []
        page.on("pageerror", (error) => errors.push(error.message))
        mkdirSync(SCREENSHOTS, { recursive: true })

        // `/` leads to the sign-in page; a new colleague joins with the invite code
        yield* ui(() => page.goto(`${base}/`))
        yield* ui(() => page.waitForURL("**/app/sign-in"))
        yield* ui(() => page.getByRole("link", { name: "Join your team" }).click())
        yield* ui(() => page.getByLabel("Invite code").fill(org?.inviteCode ?? ""))
        yield* ui(() => page.getByLabel("Your name").fill("Sam Seller"))
        yield* ui(() => page.getByLabel("Email").fill("sam@example.com"))
        yield* ui(() => page.getByLabel("Password").fill(PASSWORD))
        yield* ui(() => page.getByRole("button", { name: "Join" }).click())
        yield* visible(page, ".empty", "No conversations yet")

        // sign out, sign in again
        yield* ui(() => page.getByRole("button", { name: "Sign out" }).click())
        yield* ui(() => page.waitForURL("**/app/sign-in"))
        yield* ui(() => page.getByLabel("Email").fill("sam@example.com"))
        yield* ui(() => page.getByLabel("Password").fill("not the password"))
        yield* ui(() => page.getByRole("button", { name: "Sign in" }).click())
        yield* visible(page, "[role=alert]", /email or password/i)
        yield* ui(() => page.getByLabel("Password").fill(PASSWORD))
        yield* ui(() => page.getByRole("button", { name: "Sign in" }).click())
        yield* ui(() => page.waitForURL("**/app/inbox"))
        yield* visible(page, ".live-live")
        // the event stream is requested as the socket opens; give it a moment to be in place
        yield* Effect.sleep("500 millis")

        // a lead writes: the conversation appears without a reload, then the bot's answer
        const ana = "15550301001"
        yield* say(ana, "Hi! How much is the Premium plan?")
        yield* visible(page, ".conv", `Lead ${ana}`)
        yield* visible(page, ".conv .conv-last", /Premium plan/)
        yield* ui(() => page.locator(".conv", { hasText: `Lead ${ana}` }).getByRole("link").click())
        yield* visible(page, ".msg-lead", "How much is the Premium plan?")
        yield* visible(page, ".msg-bot", GOOD_REPLY)
        yield* visible(page, ".msg-bot .status", "Sent")

        // delivery statuses arrive live
        const ref = yield* conversationOf(ana)
        const wamid = yield* poll(botWamid(ref.conversationId), (w) => w !== null)
        for (const value of ["delivered", "read"]) {
          yield* deliver(SECRET, envelope(entry("waba", change({ phoneNumberId: PN, statuses: [status(wamid ?? "", value, { recipientId: ana })] }))))
        }
        yield* visible(page, ".msg-bot .status", "Read")

        // the turn's decision, on demand
        yield* ui(() => page.getByRole("button", { name: "Show decisions" }).click())
        yield* visible(page, ".activity-decision", "Reply now")
        yield* ui(() => page.locator(".activity-decision summary").first().click())
        yield* visible(page, ".steps th", "analyze")
        yield* visible(page, ".steps th", "generate")
        yield* visible(page, ".lead .facts", "Pricing")

        // take over, answer as a person, release
        yield* ui(() => page.getByRole("button", { name: "Take over" }).click())
        yield* visible(page, ".conv-head .badge", "A person is answering")
        const answer = "Hi, Sam here from the team: I can set up the trial for you today."
        yield* ui(() => page.getByLabel("Reply as a person").fill(answer))
        yield* ui(() => page.getByRole("button", { name: "Send", exact: true }).click())
        yield* visible(page, ".msg-human", answer)
        yield* visible(page, ".msg-human .status", "Sent")
        yield* poll(sentTo(ana), (sent) => sent.some((s) => s.type === "text" && s.json.includes("set up the trial")))
        yield* ui(() => page.getByRole("button", { name: "Release to bot" }).click())
        yield* visible(page, ".conv-head .badge", "Bot is answering")
        yield* visible(page, ".activity-release", "Released to the bot by you")

        // another lead asks for a person: handed over at once, listed first with the reason
        const ben = "15550301002"
        yield* say(ben, "Can I talk to a person please?")
        yield* visible(page, "#attention-h")
        yield* visible(page, ".conv .badge-warn", /Lead asked for a person/)
        yield* Effect.sleep("300 millis")
        yield* ui(() => page.screenshot({ path: `${SCREENSHOTS}inbox.png` }))

        // past the 24-hour window only a template goes out
        const benRef = yield* conversationOf(ben)
        yield* sql`UPDATE conversations SET last_user_message_at = now() - interval '2 days' WHERE id = ${benRef.conversationId}`
        yield* ui(() => page.locator(".conv", { hasText: `Lead ${ben}` }).getByRole("link").click())
        yield* visible(page, ".notice", "24-hour window is closed")
        yield* ui(() => page.getByLabel("Template name").fill("order_update"))
        yield* ui(() => page.getByLabel("Language code").fill("en"))
        yield* ui(() => page.getByRole("button", { name: "Add a parameter" }).click())
        yield* ui(() => page.getByLabel("{{1}}").fill("Ben"))
        yield* ui(() => page.getByRole("button", { name: "Send template" }).click())
        yield* visible(page, ".msg-human", "template order_update")
        yield* poll(sentTo(ben), (sent) => sent.some((s) => s.type === "template" && s.json.includes("order_update")))

        // a conversation on a phone, with a pending follow-up a person cancels
        yield* sql`INSERT INTO scheduled_actions (organization_id, conversation_id, scheduled_at, action_context)
          VALUES (${ref.organizationId}, ${ref.conversationId}, now() + interval '3 hours',
                  ${JSON.stringify({ why: "Ana wants to compare plans first", templateRequired: false })}::jsonb)`
        yield* ui(() => page.setViewportSize({ width: 390, height: 844 }))
        yield* ui(() => page.goto(`${base}/app/conversations/${ref.conversationId}`))
        yield* visible(page, ".msg-human", answer)
        yield* visible(page, ".followups", "Ana wants to compare plans first")
        yield* ui(() => page.getByRole("button", { name: /Cancel the follow-up/ }).click())
        yield* visible(page, ".lead .empty", "None pending")
        const [followUp] = yield* sql<{ status: string }>`SELECT status FROM scheduled_actions WHERE conversation_id = ${ref.conversationId}`
        if (followUp?.status !== "CANCELLED") return yield* Effect.die(new Error(`follow-up ${followUp?.status ?? "missing"}`))
        yield* ui(() => page.getByRole("button", { name: "Show decisions" }).click())
        yield* visible(page, ".activity-decision", "Reply now")
        yield* ui(() => page.screenshot({ path: `${SCREENSHOTS}conversation.png`, fullPage: true }))

        // analytics
        yield* ui(() => page.setViewportSize({ width: 1366, height: 820 }))
        yield* ui(() => page.getByRole("link", { name: "Analytics" }).click())
        for (const title of ["Messages per day", "Turns by action", "Handoff reasons", "Stage funnel", "Estimated LLM cost per day"]) {
          yield* visible(page, "figure.chart figcaption", title)
        }
        // bars with a height: the day's messages, the turns, the handoff, the funnel
        yield* ui(() => page.waitForFunction("[...document.querySelectorAll('figure.chart svg rect.bar')].filter((r) => Number(r.getAttribute('height')) > 0).length >= 4"))
        yield* visible(page, ".kpi", "Handed to a person")
        yield* ui(() => page.screenshot({ path: `${SCREENSHOTS}analytics.png`, fullPage: true }))

        if (errors.length > 0) return yield* Effect.die(new Error(`errors in the page: ${errors.join("; ")}`))
      }).pipe(Effect.scoped), 120_000)
  })
})
