/** The client address auth attempts are counted against, and the TRUST_PROXY setting. */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { addressKey, clientAddress } from "../../src/http/clientAddress.ts"
import { AppConfig } from "../../src/config/AppConfig.ts"
import { configFor } from "../support/app.ts"

const trustProxy = (value?: string) =>
  Effect.provide(AppConfig, configFor({ DATA_DIR: ".data/test", ...(value === undefined ? {} : { TRUST_PROXY: value }) })).pipe(
    Effect.map((c) => c.trustProxy)
  )

describe("client address", () => {
  it("is the socket's address unless proxies are trusted", () => {
    assert.strictEqual(clientAddress("192.0.2.10", "203.0.113.5", 0), "192.0.2.10")
    assert.strictEqual(clientAddress("192.0.2.10", undefined, 1), "192.0.2.10")
    assert.strictEqual(clientAddress("192.0.2.10", " , ", 1), "192.0.2.10")
    assert.strictEqual(clientAddress(undefined, undefined, 0), "unknown")
    assert.strictEqual(clientAddress("::ffff:127.0.0.1", undefined, 0), "127.0.0.1")
  })

  it("takes the entry as many hops from the right as there are trusted proxies", () => {
    const chain = "10.0.0.1, 198.51.100.1, 203.0.113.5"
    assert.strictEqual(clientAddress("192.0.2.10", chain, 1), "203.0.113.5")
    assert.strictEqual(clientAddress("192.0.2.10", chain, 2), "198.51.100.1")
    assert.strictEqual(clientAddress("192.0.2.10", chain, 3), "10.0.0.1")
    // fewer entries than trusted hops: the leftmost one
    assert.strictEqual(clientAddress("192.0.2.10", chain, 7), "10.0.0.1")
    // not an address where the client should be: the socket's
    assert.strictEqual(clientAddress("192.0.2.10", "203.0.113.5, unknown", 1), "192.0.2.10")
    assert.strictEqual(clientAddress("192.0.2.10", "203.0.113.5:4711", 1), "203.0.113.5")
  })

  it("groups IPv6 by /64 and unwraps IPv4-mapped addresses", () => {
    assert.strictEqual(addressKey("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64")
    assert.strictEqual(addressKey("2001:DB8:1:2::9"), "2001:db8:1:2::/64")
    assert.strictEqual(addressKey("[2001:db8::1]:443"), "2001:db8:0:0::/64")
    assert.strictEqual(addressKey("fe80::1%eth0"), "fe80:0:0:0::/64")
    assert.strictEqual(addressKey("::1"), "0:0:0:0::/64")
    assert.strictEqual(addressKey("::ffff:198.51.100.3"), "198.51.100.3")
    assert.strictEqual(addressKey("192.0.2.1"), "192.0.2.1")
    for (const bad of ["unknown", "", "1.2.3", "999.1.1.1", "::g", "2001:db8::1::2"]) assert.isUndefined(addressKey(bad), bad)
  })

  it("gives the same key when asked again, after many other addresses too (its memory of them is bounded)", () => {
    const asked = ["::ffff:198.51.100.3", "2001:DB8:1:2::9", "unknown", "192.0.2.1"]
    const first = asked.map(addressKey)
    for (let i = 0; i < 5_000; i++) addressKey(`2001:db8:${(i % 65_536).toString(16)}::${i % 7}`)
    assert.deepStrictEqual(asked.map(addressKey), first)
    assert.deepStrictEqual(asked.map(addressKey), ["198.51.100.3", "2001:db8:1:2::/64", undefined, "192.0.2.1"])
  })

  it.effect("TRUST_PROXY: off by default, a number of hops, or one line naming it", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* trustProxy(), 0)
      assert.strictEqual(yield* trustProxy("1"), 1)
      assert.strictEqual(yield* trustProxy("3"), 3)
      assert.strictEqual(yield* trustProxy("off"), 0)
      for (const bad of ["yes", "-1", "11", "1.5", "true"]) {
        const error = yield* Effect.flip(trustProxy(bad))
        assert.strictEqual(error.variable, "TRUST_PROXY")
        assert.strictEqual(
          error.message,
          `Invalid configuration: TRUST_PROXY must be the number of reverse proxies in front of the app, from 0 to 10 (or "off"), got "${bad}"`
        )
      }
    }))
})
