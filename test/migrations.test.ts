import { readFile } from "node:fs/promises"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { SqlClient, type SqlError } from "effect/sql"
import { migrate } from "../src/db/Database.ts"
import { splitSqlStatements } from "../src/db/sqlFiles.ts"
import { TestDatabase } from "./support/TestDatabase.ts"

const TABLES = [
  "organizations", "users", "channels", "leads", "conversations", "messages", "scheduled_actions",
  "conversation_events", "webhook_inbox", "business_profiles", "business_products", "business_faqs"
]
const NOT_TENANT = new Set(["organizations", "webhook_inbox"])

/** Fails with the given SqlError reason, and the server's message matches `pattern`. */
const failsWith = <A>(effect: Effect.Effect<A, SqlError.SqlError>, reason: SqlError.SqlErrorReason["_tag"], pattern: RegExp) =>
  effect.pipe(
    Effect.flip,
    Effect.map((e) => {
      assert.strictEqual(e.reason._tag, reason)
      assert.match(String(e.reason.cause), pattern)
    })
  )

describe("migrations", () => {
  it.layer(TestDatabase.withClient)((it) => {
    it.effect("create every table; every tenant table has organization_id", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const rows = yield* sql<{ tableName: string; hasOrg: boolean }>`
          SELECT t.table_name,
                 EXISTS (SELECT 1 FROM information_schema.columns c
                         WHERE c.table_name = t.table_name AND c.column_name = 'organization_id') AS has_org
          FROM information_schema.tables t WHERE t.table_schema = 'public'`
        const found = new Map(rows.map((r) => [r.tableName, r.hasOrg]))
        for (const table of TABLES) {
          assert.isTrue(found.has(table), `missing table ${table}`)
          if (!NOT_TENANT.has(table)) assert.isTrue(found.get(table), `${table} lacks organization_id`)
        }
      }))

    it.effect("re-running migrations is a no-op", () =>
      Effect.gen(function*() {
        const ran = yield* migrate
        assert.deepStrictEqual(ran, [])
      }))

    it.effect("constraints: unique wamid, unique (org, wa_id), enums, tenant-consistent references", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const [a] = yield* sql<{ id: string }>`INSERT INTO organizations (name, invite_code) VALUES ('A', 'inv-a') RETURNING id`
        const [b] = yield* sql<{ id: string }>`INSERT INTO organizations (name, invite_code) VALUES ('B', 'inv-b') RETURNING id`
        const orgA = a?.id ?? ""
        const orgB = b?.id ?? ""
        const [ch] = yield* sql<{ id: string }>`INSERT INTO channels (organization_id, phone_number_id, transport)
          VALUES (${orgA}, '1090', 'sandbox') RETURNING id`
        const [lead] = yield* sql<{ id: string }>`INSERT INTO leads (organization_id, wa_id, phone)
          VALUES (${orgA}, '15550001111', '+15550001111') RETURNING id`
        yield* failsWith(sql`INSERT INTO leads (organization_id, wa_id) VALUES (${orgA}, '15550001111')`, "UniqueViolation", /duplicate key/)
        // the same number in another organization is another lead
        yield* sql`INSERT INTO leads (organization_id, wa_id) VALUES (${orgB}, '15550001111')`
        yield* failsWith(sql`INSERT INTO leads (organization_id, wa_id, phone) VALUES (${orgA}, '1', '555')`, "ConstraintError", /check constraint/)
        const [conv] = yield* sql<{ id: string }>`INSERT INTO conversations (organization_id, lead_id, channel_id)
          VALUES (${orgA}, ${lead?.id ?? ""}, ${ch?.id ?? ""}) RETURNING id`
        yield* failsWith(
          sql`INSERT INTO conversations (organization_id, lead_id, channel_id) VALUES (${orgA}, ${lead?.id ?? ""}, ${ch?.id ?? ""})`,
          "UniqueViolation", /duplicate key/
        )
        yield* failsWith(sql`UPDATE conversations SET stage = 'negotiation' WHERE id = ${conv?.id ?? ""}`, "ConstraintError", /check constraint/)
        const message = (wamid: string, org: string) =>
          sql`INSERT INTO messages (organization_id, conversation_id, lead_id, message_from, content, wamid, status)
              VALUES (${org}, ${conv?.id ?? ""}, ${lead?.id ?? ""}, 'LEAD', 'hi', ${wamid}, 'received')`
        yield* message("wamid.1", orgA)
        yield* failsWith(message("wamid.1", orgA), "UniqueViolation", /duplicate key/)
        // a message of organization B can never point at a conversation of A
        yield* failsWith(message("wamid.2", orgB), "ConstraintError", /foreign key/)
        // nor at another lead than its conversation's (one key checks all three: migrations/0016)
        const [other] = yield* sql<{ id: string }>`INSERT INTO leads (organization_id, wa_id) VALUES (${orgA}, '15550002222') RETURNING id`
        yield* failsWith(
          sql`INSERT INTO messages (organization_id, conversation_id, lead_id, message_from, content, wamid, status)
              VALUES (${orgA}, ${conv?.id ?? ""}, ${other?.id ?? ""}, 'LEAD', 'hi', 'wamid.3', 'received')`,
          "ConstraintError", /foreign key/
        )
        yield* failsWith(
          sql`INSERT INTO scheduled_actions (organization_id, conversation_id, scheduled_at, status)
              VALUES (${orgA}, ${conv?.id ?? ""}, now(), 'DONE')`,
          "ConstraintError", /check constraint/
        )
        // deleting the lead deletes its conversation and, through it, the messages and events
        yield* sql`INSERT INTO conversation_events (organization_id, conversation_id, event_type) VALUES (${orgA}, ${conv?.id ?? ""}, 'turn')`
        yield* sql`DELETE FROM leads WHERE id = ${lead?.id ?? ""}`
        const [left] = yield* sql<{ messages: number; events: number }>`SELECT
            (SELECT count(*)::int FROM messages WHERE conversation_id = ${conv?.id ?? ""}) AS messages,
            (SELECT count(*)::int FROM conversation_events WHERE conversation_id = ${conv?.id ?? ""}) AS events`
        assert.deepStrictEqual(left, { messages: 0, events: 0 })
      }))

    it.effect("indexes for the hot queries exist", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const rows = yield* sql<{ indexname: string }>`SELECT indexname FROM pg_indexes WHERE schemaname = 'public'`
        const names = new Set(rows.map((r) => r.indexname))
        for (const index of ["scheduled_actions_unclaimed_due", "scheduled_actions_claimed", "conversations_org_recent", "messages_conversation_time",
          "webhook_inbox_claimable", "webhook_inbox_done", "leads_search", "business_products_search", "messages_pending_sends", "conversations_unchecked_lead"]) assert.isTrue(names.has(index), index)
      }))

    it.effect("0023: a substring search of leads (the dashboard's) is answered by the trigram index, within the organization", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const [org] = yield* sql<{ id: string }>`INSERT INTO organizations (name, invite_code) VALUES ('S', 'inv-s') RETURNING id`
        yield* sql`INSERT INTO leads (organization_id, wa_id, phone, name)
          SELECT ${org?.id ?? ""}, (5511900000000 + g)::text, '+' || (5511900000000 + g)::text, 'Cliente ' || g
          FROM generate_series(1, 5000) g`
        yield* sql`ANALYZE leads`
        const plan = yield* sql.withTransaction(Effect.gen(function*() {
          // a test database is small: reading the table whole would be the planner's right choice
          yield* sql`SET LOCAL enable_seqscan = off`
          return yield* sql<Record<string, string>>`EXPLAIN SELECT id FROM leads
            WHERE organization_id = ${org?.id ?? ""} AND deleted_at IS NULL
              AND (name ILIKE ${"%maría%"} OR phone LIKE ${"%4321%"} OR wa_id LIKE ${"%4321%"} OR email ILIKE ${"%@acme%"})`
        }))
        const text = plan.map((r) => Object.values(r).join("")).join("\n")
        assert.include(text, "Bitmap Index Scan on leads_search")
        assert.match(text, /Index Cond: \(\(organization_id = /)
      }))

    it.effect("0022: the growing tables' new rows get time-ordered ids (UUID v7), in the order they were made", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const defaults = yield* sql<{ tableName: string; columnDefault: string }>`SELECT table_name, column_default
          FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'id'
            AND table_name IN ('leads', 'conversations', 'messages', 'scheduled_actions', 'conversation_events')`
        assert.strictEqual(defaults.length, 5)
        for (const d of defaults) assert.strictEqual(d.columnDefault, "uuid_v7()", d.tableName)
        const ids: Array<string> = []
        for (let i = 0; i < 3; i++) {
          const [row] = yield* sql<{ id: string }>`SELECT uuid_v7()::text AS id`
          ids.push(row?.id ?? "")
          yield* sql`SELECT pg_sleep(0.002)`
        }
        for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
        assert.deepStrictEqual([...ids].sort(), ids)
        // the first 48 bits are the time of creation, in milliseconds
        const ms = Number.parseInt((ids[0] ?? "").replaceAll("-", "").slice(0, 12), 16)
        assert.isBelow(Math.abs(ms - Date.now()), 60_000)
      }))

    it.effect("0019 marks for recovery the conversations whose newest message is the lead's, and only those", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const [org] = yield* sql<{ id: string }>`INSERT INTO organizations (name, invite_code) VALUES ('M', 'inv-m') RETURNING id`
        const orgId = org?.id ?? ""
        const [ch] = yield* sql<{ id: string }>`INSERT INTO channels (organization_id, phone_number_id, transport)
          VALUES (${orgId}, '1919', 'sandbox') RETURNING id`
        const conversation = (waId: string, from: ReadonlyArray<string>) =>
          Effect.gen(function*() {
            const [lead] = yield* sql<{ id: string }>`INSERT INTO leads (organization_id, wa_id) VALUES (${orgId}, ${waId}) RETURNING id`
            const [conv] = yield* sql<{ id: string }>`INSERT INTO conversations (organization_id, lead_id, channel_id)
              VALUES (${orgId}, ${lead?.id ?? ""}, ${ch?.id ?? ""}) RETURNING id`
            for (const [k, who] of from.entries()) {
              yield* sql`INSERT INTO messages (organization_id, conversation_id, lead_id, message_from, content, status, created_at)
                VALUES (${orgId}, ${conv?.id ?? ""}, ${lead?.id ?? ""}, ${who}, 'x', 'received', now() + make_interval(secs => ${k}))`
            }
            return conv?.id ?? ""
          })
        const unanswered = yield* conversation("15550003001", ["LEAD", "BOT", "LEAD"])
        yield* conversation("15550003002", ["LEAD", "BOT"]) // answered by the bot
        yield* conversation("15550003003", ["LEAD", "HUMAN"]) // answered by a person
        yield* conversation("15550003004", []) // no message yet
        const file = yield* Effect.promise(() => readFile(new URL("../migrations/0019_unchecked_lead_messages.sql", import.meta.url), "utf8"))
        const backfill = splitSqlStatements(file).find((statement) => statement.trimStart().startsWith("UPDATE"))
        assert.isDefined(backfill)
        yield* sql.unsafe(backfill ?? "")
        const marked = yield* sql<{ id: string }>`SELECT id FROM conversations WHERE unchecked_lead_at IS NOT NULL AND organization_id = ${orgId}`
        assert.deepStrictEqual(marked.map((r) => r.id), [unanswered])
      }))
  })

  it("splits SQL on semicolons outside quotes, dollar bodies and comments", () => {
    const text = `CREATE TABLE a (x text DEFAULT 'a;b'); -- c;d
      /* e; */ CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;
      SELECT "we;ird" FROM a`
    assert.deepStrictEqual(splitSqlStatements(text).map((s) => s.replace(/\s+/g, " ")), [
      "CREATE TABLE a (x text DEFAULT 'a;b')",
      "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql",
      "SELECT \"we;ird\" FROM a"
    ])
  })
})
