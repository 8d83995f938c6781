import { assert, describe, it } from "@effect/vitest"
import { outsideQuietHours } from "../../src/followups/quietHours.ts"

const at = (iso: string) => Date.parse(iso)
const iso = (ms: number) => new Date(ms).toISOString()

describe("quiet hours", () => {
  it("moves a due time inside an overnight window to its end, in the business timezone", () => {
    const quiet = { timezone: "America/Sao_Paulo", start: "21:00", end: "08:00:00" } // UTC-3
    // 23:30 local → 08:00 local next day = 11:00 UTC
    assert.strictEqual(iso(outsideQuietHours(at("2026-11-27T02:30:15Z"), quiet)), "2026-11-27T11:00:00.000Z")
    // 03:00 local → 08:00 local the same day
    assert.strictEqual(iso(outsideQuietHours(at("2026-11-27T06:00:00Z"), quiet)), "2026-11-27T11:00:00.000Z")
    // 10:00 local: outside, unchanged
    assert.strictEqual(iso(outsideQuietHours(at("2026-11-27T13:00:00Z"), quiet)), "2026-11-27T13:00:00.000Z")
    // exactly at the end: outside
    assert.strictEqual(iso(outsideQuietHours(at("2026-11-27T11:00:00Z"), quiet)), "2026-11-27T11:00:00.000Z")
  })

  it("handles a same-day window and no window", () => {
    const lunch = { timezone: "Europe/Lisbon", start: "12:00", end: "14:00" }
    assert.strictEqual(iso(outsideQuietHours(at("2026-07-01T11:30:00Z"), lunch)), "2026-07-01T13:00:00.000Z") // 12:30 WEST
    const none = { timezone: "UTC", start: null, end: null }
    assert.strictEqual(outsideQuietHours(123, none), 123)
  })

  it("falls back to UTC for an unknown timezone instead of failing", () => {
    const quiet = { timezone: "Mars/Olympus", start: "00:00", end: "06:00" }
    assert.strictEqual(iso(outsideQuietHours(at("2026-11-27T03:00:00Z"), quiet)), "2026-11-27T06:00:00.000Z")
  })
})
