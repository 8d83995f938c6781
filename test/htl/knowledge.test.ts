/** Business knowledge from Postgres (full-text selection, tenant scoping) and the per-step audit rows. */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { ConversationId, OrganizationId } from "../../src/domain/ids.ts"
import { HtlAudit } from "../../src/records/HtlAudit.ts"
import { makeSnapshots } from "../../src/records/snapshot.ts"
import { Htl } from "../../src/htl/Htl.ts"
import { defaultProfile, Knowledge, makeProfileMemory } from "../../src/knowledge/Knowledge.ts"
import { toTsQuery } from "../../src/knowledge/query.ts"
import { Llm } from "../../src/llm/Llm.ts"
import { fakeSettings, startFakeLlm } from "../support/fakeLlm.ts"
import { analysis, context, goodDefaults } from "../support/htlFixtures.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

const seedOrg = (name: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const [org] = yield* sql<{ id: string }>`INSERT INTO organizations (name, invite_code) VALUES (${name}, ${`inv-${name}`}) RETURNING id`
    const id = OrganizationId.make(org?.id ?? "")
    return id
  })

const seed = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const acme = yield* seedOrg("acme")
  const other = yield* seedOrg("other")
  yield* sql`INSERT INTO business_profiles (organization_id, business_name, description, languages, timezone, followup_max_24h, followup_template_name)
    VALUES (${acme}, 'Acme CRM', 'CRM for small shops', ARRAY['en', 'es'], 'Europe/Madrid', 1, 'nudge_1')`
  yield* sql`INSERT INTO business_products ${sql.insert([
    { organizationId: acme, name: "Starter plan", description: "CRM for up to 3 users", price: 19, currency: "USD" },
    { organizationId: acme, name: "Premium plan", description: "Unlimited users, WhatsApp inbox and automations", price: 49, currency: "USD" },
    { organizationId: acme, name: "Onboarding service", description: "Data import and setup", price: 299, currency: "USD" },
    { organizationId: acme, name: "Premium support", description: "Phone support add-on", price: null, currency: null },
    { organizationId: other, name: "Premium plan", description: "Another tenant's premium plan", price: 999, currency: "EUR" }
  ])}`
  yield* sql`INSERT INTO business_faqs ${sql.insert([
    { organizationId: acme, question: "Is there a free trial?", answer: "Yes, 14 days." },
    { organizationId: acme, question: "How is pricing billed?", answer: "Monthly; annual plans get 10% off." },
    { organizationId: other, question: "Is there a free trial?", answer: "No." }
  ])}`
  const [channel] = yield* sql<{ id: string }>`INSERT INTO channels (organization_id, phone_number_id, transport) VALUES (${acme}, '111', 'sandbox') RETURNING id`
  const [leadRow] = yield* sql<{ id: string }>`INSERT INTO leads (organization_id, wa_id) VALUES (${acme}, '34600000000') RETURNING id`
  const [conv] = yield* sql<{ id: string }>`INSERT INTO conversations (organization_id, lead_id, channel_id) VALUES (${acme}, ${leadRow?.id ?? ""}, ${channel?.id ?? ""}) RETURNING id`
  return { acme, other, conversation: ConversationId.make(conv?.id ?? "") }
})

const KnowledgeDb = Layer.mergeAll(Knowledge.layer, HtlAudit.layer).pipe(Layer.provideMerge(TestDatabase.withClient))

describe("knowledge and audit on Postgres", () => {
  it("builds OR-ed prefix tsqueries from free text", () => {
    assert.strictEqual(toTsQuery("Premium plan pricing?"), "premium:* | plan:* | pric:*")
    assert.strictEqual(toTsQuery("¿Qué incluye el plan? </lead> & | !"), "incluye:* | plan:* | lead:*")
    assert.isNull(toTsQuery("the & | !"))
  })

  it("keeps a profile for the revision it is good for, within a bound on the text kept", () => {
    const memory = makeProfileMemory()
    const org = (n: number) => OrganizationId.make(`00000000-0000-4000-8000-${String(n).padStart(12, "0")}`)
    const profile = (n: number, description: string) => ({ ...defaultProfile(org(n)), description })
    const small = profile(1, "small")
    memory.keep(org(1), 7, small)
    assert.strictEqual(memory.get(org(1), 7), small)
    assert.isUndefined(memory.get(org(1), 8)) // another revision: read again
    memory.keep(org(1), undefined, small) // good for no revision (the organization is gone): forgotten
    assert.isUndefined(memory.get(org(1), 7))
    // more text than the bound: the least recently used go first; one bigger than the bound is not kept
    const big = (n: number) => profile(n, "x".repeat(1_500_000))
    memory.keep(org(2), 1, big(2))
    memory.keep(org(3), 1, big(3))
    assert.isDefined(memory.get(org(2), 1)) // used: now the most recent
    memory.keep(org(4), 1, big(4))
    assert.isUndefined(memory.get(org(3), 1))
    assert.isDefined(memory.get(org(2), 1))
    assert.isDefined(memory.get(org(4), 1))
    memory.keep(org(5), 1, profile(5, "x".repeat(5_000_000)))
    assert.isUndefined(memory.get(org(5), 1))
  })

  it.layer(KnowledgeDb, { timeout: "60 seconds", excludeTestServices: true })((it) => {
    it.effect("selects only matching products and FAQs, ranked, within the organization", () =>
      Effect.gen(function*() {
        const { acme, other } = yield* seed
        const knowledge = yield* Knowledge
        const k = yield* knowledge.search(acme, "premium plan pricing")
        assert.deepStrictEqual(k.products.map((p) => p.name), ["Premium plan", "Premium support", "Starter plan"])
        assert.deepStrictEqual(k.products[0], { name: "Premium plan", description: "Unlimited users, WhatsApp inbox and automations", price: 49, currency: "USD" })
        assert.deepStrictEqual(k.faqs.map((f) => f.question), ["How is pricing billed?"])
        const trial = yield* knowledge.search(acme, "free trial", 1)
        assert.deepStrictEqual(trial.faqs, [{ question: "Is there a free trial?", answer: "Yes, 14 days." }])
        assert.deepStrictEqual(trial.products, [])
        const theirs = yield* knowledge.search(other, "premium")
        assert.deepStrictEqual(theirs.products.map((p) => p.price), [999])
        assert.deepStrictEqual(yield* knowledge.search(acme, "!!!"), { products: [], faqs: [] })

        const profile = yield* knowledge.profile(acme)
        assert.strictEqual(profile.businessName, "Acme CRM")
        assert.deepStrictEqual(profile.languages, ["en", "es"])
        assert.isTrue(profile.hasFollowupTemplate)
        assert.strictEqual(profile.followupMax24h, 1)
        assert.sameDeepMembers([...profile.catalogPrices], [{ amount: 19, currency: "USD" }, { amount: 49, currency: "USD" }, { amount: 299, currency: "USD" }])
        // everything the business wrote comes with the profile (one query): the guardrails quote from all of it
        assert.sameMembers(profile.faqs.map((f) => f.answer), ["Yes, 14 days.", "Monthly; annual plans get 10% off."])
        assert.sameMembers(profile.products.map((p) => p.name), ["Starter plan", "Premium plan", "Onboarding service", "Premium support"])
        assert.deepInclude(profile.products, { name: "Premium support", description: "Phone support add-on", price: null, currency: null })
        const bare = yield* knowledge.profile(other)
        assert.strictEqual(bare.timezone, "UTC") // no profile row: defaults, own prices only
        assert.deepStrictEqual(bare.catalogPrices, [{ amount: 999, currency: "EUR" }])
        assert.deepStrictEqual(bare.faqs, [{ question: "Is there a free trial?", answer: "No." }])
        assert.deepStrictEqual(yield* knowledge.profile(OrganizationId.make("00000000-0000-4000-8000-00000000dead")), defaultProfile(OrganizationId.make("00000000-0000-4000-8000-00000000dead")))
      }))

    it.effect("a profile read at a knowledge revision is reused until a write to the profile, its products or its FAQs changes the revision", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const knowledge = yield* Knowledge
        const snapshots = yield* makeSnapshots
        const org = yield* seedOrg("revisions")
        const [channel] = yield* sql<{ id: string }>`INSERT INTO channels (organization_id, phone_number_id, transport) VALUES (${org}, '222', 'sandbox') RETURNING id`
        const [lead] = yield* sql<{ id: string }>`INSERT INTO leads (organization_id, wa_id) VALUES (${org}, '34600000001') RETURNING id`
        const [conv] = yield* sql<{ id: string }>`INSERT INTO conversations (organization_id, lead_id, channel_id) VALUES (${org}, ${lead?.id ?? ""}, ${channel?.id ?? ""}) RETURNING id`
        const key = { organizationId: org, conversationId: ConversationId.make(conv?.id ?? "") }
        /** the revision as a turn reads it: with its snapshot */
        const revision = snapshots.load(key).pipe(Effect.map((s) => Option.getOrThrow(s).conversation.knowledgeRevision))
        const changes = function*(write: Effect.Effect<unknown, unknown>) {
          const before = yield* revision
          yield* write
          const after = yield* revision
          assert.isAbove(after, before)
          return yield* knowledge.profile(org, after)
        }

        yield* sql`INSERT INTO business_profiles (organization_id, business_name) VALUES (${org}, 'Before')`
        const r1 = yield* revision
        assert.strictEqual((yield* knowledge.profile(org, r1)).businessName, "Before")
        // a write that leaves the revision as it was (the trigger off) is not seen at that revision…
        yield* sql`ALTER TABLE business_profiles DISABLE TRIGGER knowledge_revision_update`
        yield* sql`UPDATE business_profiles SET business_name = 'Unseen' WHERE organization_id = ${org}`
        yield* sql`ALTER TABLE business_profiles ENABLE TRIGGER knowledge_revision_update`
        assert.strictEqual(yield* revision, r1)
        assert.strictEqual((yield* knowledge.profile(org, r1)).businessName, "Before")
        // …and read without a revision (a caller with no snapshot), the profile is read again
        assert.strictEqual((yield* knowledge.profile(org)).businessName, "Unseen")

        // every kind of write changes the revision, and the profile read at the new one shows it
        const renamed = yield* changes(sql`UPDATE business_profiles SET business_name = 'After' WHERE organization_id = ${org}`)
        assert.strictEqual(renamed.businessName, "After")
        const priced = yield* changes(sql`INSERT INTO business_products (organization_id, name, description, price, currency) VALUES (${org}, 'Kit', 'A kit', 10, 'EUR')`)
        assert.deepStrictEqual(priced.catalogPrices, [{ amount: 10, currency: "EUR" }])
        const repriced = yield* changes(sql`UPDATE business_products SET price = 12 WHERE organization_id = ${org}`)
        assert.deepStrictEqual(repriced.catalogPrices, [{ amount: 12, currency: "EUR" }])
        const asked = yield* changes(sql`INSERT INTO business_faqs (organization_id, question, answer) VALUES (${org}, 'Open on Sundays?', 'No.')`)
        assert.deepStrictEqual(asked.faqs, [{ question: "Open on Sundays?", answer: "No." }])
        const unasked = yield* changes(sql`DELETE FROM business_faqs WHERE organization_id = ${org}`)
        assert.deepStrictEqual(unasked.faqs, [])
        const gone = yield* changes(sql`DELETE FROM business_profiles WHERE organization_id = ${org}`)
        assert.strictEqual(gone.businessName, "")
        // another organization's writes leave this one's revision alone
        const mine = yield* revision
        yield* sql`UPDATE business_profiles SET description = 'elsewhere' WHERE organization_id <> ${org}`
        assert.strictEqual(yield* revision, mine)
      }))

    it.effect("a turn on database knowledge carries only the selected items; its steps are audited", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const [row] = yield* sql<{ id: string }>`SELECT organization_id AS id FROM business_profiles LIMIT 1`
        const acme = OrganizationId.make(row?.id ?? "")
        const [c] = yield* sql<{ id: string }>`SELECT id FROM conversations WHERE organization_id = ${acme}`
        const conversation = ConversationId.make(c?.id ?? "")
        const knowledge = yield* Knowledge
        const profile = yield* knowledge.profile(acme)
        const fake = yield* startFakeLlm({ ...goodDefaults, analyze: () => ({ kind: "json", body: analysis({ query: "onboarding setup" }) }) })
        const htl = yield* Effect.service(Htl).pipe(Effect.provide(
          Htl.layerWith({ speculative: "off", minConfidence: 0.5 }).pipe(
            Layer.provide(Llm.layerWith(fakeSettings(fake))),
            Layer.provide(Layer.succeed(Knowledge, knowledge))
          )
        ))
        const ctx = context({ organizationId: acme, conversationId: conversation, profile })
        const r = yield* htl.runTurn(ctx)
        const prompt = fake.stepRequests("generate")[0]?.user ?? ""
        assert.include(prompt, "Onboarding service: 299 USD")
        assert.notInclude(prompt, "Premium plan")
        const audit = yield* HtlAudit
        yield* audit.record({ organizationId: acme, conversationId: conversation }, r.steps)
        const rows = yield* sql<{ pipelineStep: string; outcome: string; tokensIn: number; tokensUsed: number; model: string | null; details: unknown }>`
          SELECT pipeline_step, outcome, tokens_in, tokens_used, model, details FROM conversation_events
          WHERE organization_id = ${acme} AND conversation_id = ${conversation} AND event_type = 'htl_step' ORDER BY created_at, id`
        assert.sameMembers(rows.map((x) => x.pipelineStep), ["analyze", "decide", "knowledge", "generate"])
        const analyzeRow = rows.find((x) => x.pipelineStep === "analyze")
        assert.strictEqual(analyzeRow?.tokensIn, r.steps[0]?.tokensIn)
        assert.strictEqual(analyzeRow?.model, "fake-model")
        assert.strictEqual(analyzeRow?.outcome, "ok")
        assert.deepInclude(analyzeRow?.details, { attempts: 1 })
      }).pipe(Effect.scoped))
  })
})
