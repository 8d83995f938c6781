/**
 * PostgreSQL over TLS, as with Amazon RDS: `sslmode=require` encrypts and verifies the server's
 * certificate and name; `sslrootcert=` names the CA it must chain to (RDS's global bundle). Here a
 * TLS-terminating proxy with a self-signed certificate for 127.0.0.1 stands in for the server.
 */
import { execFile } from "node:child_process"
import { mkdtemp, readFile, rm } from "node:fs/promises"
import { createServer, connect, type Socket } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createSecureContext, TLSSocket } from "node:tls"
import { promisify } from "node:util"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { pgClientLayer } from "../../src/db/Database.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

const SSL_REQUEST_CODE = 80877103

/** A self-signed certificate (its own CA) for IP 127.0.0.1. */
const certificate = Effect.acquireRelease(
  Effect.promise(async () => {
    const dir = await mkdtemp(join(tmpdir(), "wa-tls-"))
    await promisify(execFile)("openssl", [
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
      "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", join(dir, "key.pem"), "-out", join(dir, "ca.pem")
    ])
    return { dir, ca: join(dir, "ca.pem"), key: await readFile(join(dir, "key.pem")), cert: await readFile(join(dir, "ca.pem")) }
  }),
  ({ dir }) => Effect.promise(() => rm(dir, { recursive: true, force: true }))
)

/** Answers PostgreSQL's SSLRequest with "S", terminates TLS and forwards the plain protocol; refuses plain clients. */
const tlsProxy = (target: URL, tls: { readonly key: Buffer; readonly cert: Buffer }) =>
  Effect.acquireRelease(
    Effect.callback<{ port: number; sessions: () => number; close: () => void }>((resume) => {
      let sessions = 0
      const sockets = new Set<Socket>()
      const server = createServer((client) => {
        sockets.add(client)
        client.on("error", () => client.destroy())
        client.once("data", (chunk) => {
          if (chunk.length < 8 || chunk.readInt32BE(4) !== SSL_REQUEST_CODE) return client.destroy()
          client.write("S")
          const secure = new TLSSocket(client, { isServer: true, secureContext: createSecureContext(tls) })
          secure.on("error", () => client.destroy())
          secure.once("secure", () => {
            sessions++
            const upstream = connect(Number(target.port), target.hostname)
            sockets.add(upstream)
            upstream.on("error", () => secure.destroy())
            secure.pipe(upstream).pipe(secure)
          })
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        resume(Effect.succeed({
          port: typeof address === "object" && address !== null ? address.port : 0,
          sessions: () => sessions,
          close: () => {
            for (const s of sockets) s.destroy()
            server.close()
          }
        }))
      })
    }),
    (proxy) => Effect.sync(() => proxy.close())
  )

const select1 = (url: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ n: number }>`SELECT 1::int AS n`).pipe(
    Effect.provide(pgClientLayer(Redacted.make(url), { poolSize: 1, connectTimeout: Duration.seconds(3), statementTimeout: Duration.seconds(10) }))
  )

describe("PostgreSQL over TLS (RDS)", () => {
  it.layer(TestDatabase.layer, { excludeTestServices: true, timeout: "30 seconds" })((it) => {
    it.effect("sslmode=require with sslrootcert: encrypted and verified; without the CA the certificate is refused; an unreadable CA file is one config line", () =>
      Effect.gen(function*() {
        const db = yield* TestDatabase
        const target = new URL(Redacted.value(db.url))
        const tls = yield* certificate
        const proxy = yield* tlsProxy(target, tls)
        const through = new URL(target)
        through.host = `127.0.0.1:${proxy.port}`
        through.searchParams.set("sslmode", "require")

        const trusted = new URL(through)
        trusted.searchParams.set("sslrootcert", tls.ca)
        assert.deepStrictEqual(yield* select1(trusted.toString()), [{ n: 1 }])
        assert.isAtLeast(proxy.sessions(), 1)

        // Node's CAs do not include this one (nor RDS's): the name and chain are checked
        const untrusted = yield* Effect.flip(select1(through.toString()))
        if (untrusted._tag !== "SqlError") return assert.fail(untrusted.message)
        assert.strictEqual(untrusted.reason._tag, "ConnectionError")
        assert.match(String(untrusted.reason.cause), /self[- ]signed certificate/)

        const missing = new URL(through)
        missing.searchParams.set("sslrootcert", join(tls.dir, "nope.pem"))
        const unreadable = yield* Effect.flip(select1(missing.toString()))
        assert.match(unreadable.message, new RegExp(`^Invalid configuration: DATABASE_URL names sslrootcert ${join(tls.dir, "nope.pem")}, which cannot be read`))
      }).pipe(Effect.scoped))
  })
})
