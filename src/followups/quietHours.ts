/**
 * Quiet hours: a follow-up due inside the business's quiet window (in its timezone) moves to
 * the window's end; it is never dropped. Windows may cross midnight (21:00–08:00).
 */
import { DateTime, Option } from "effect"

export interface QuietHours {
  readonly timezone: string
  /** "HH:MM" or "HH:MM:SS" (Postgres `time`), both null when the business has none */
  readonly start: string | null
  readonly end: string | null
}

const minutesOf = (time: string): number => {
  const [h = "0", m = "0"] = time.split(":")
  return Number(h) * 60 + Number(m)
}

/** The first instant at or after `due` (epoch ms) outside the quiet window. */
export const outsideQuietHours = (due: number, quiet: QuietHours): number => {
  if (quiet.start === null || quiet.end === null) return due
  const start = minutesOf(quiet.start)
  const end = minutesOf(quiet.end)
  if (start === end) return due
  const zoned = DateTime.makeZoned(due, { timeZone: quiet.timezone }).pipe(
    Option.orElse(() => DateTime.makeZoned(due, { timeZone: "UTC" }))
  )
  if (Option.isNone(zoned)) return due
  const parts = DateTime.toParts(zoned.value)
  const now = parts.hour * 60 + parts.minute
  const inside = start < end ? now >= start && now < end : now >= start || now < end
  if (!inside) return due
  const minutesLeft = (end - now + 1440) % 1440
  return due + minutesLeft * 60_000 - parts.second * 1000 - parts.millisecond
}
