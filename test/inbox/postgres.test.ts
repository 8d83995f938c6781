import { describe, it } from "@effect/vitest"
import { Layer } from "effect"
import { PostgresInboxLayer } from "../../src/inbox/PostgresInbox.ts"
import { TestDatabase } from "../support/TestDatabase.ts"
import { contractOptions, inboxContract } from "./contract.ts"

describe("Inbox contract: Postgres adapter", () => {
  it.layer(PostgresInboxLayer(contractOptions).pipe(Layer.provide(TestDatabase.withClient)), {
    excludeTestServices: true,
    timeout: "60 seconds"
  })((it) => inboxContract(it))
})
