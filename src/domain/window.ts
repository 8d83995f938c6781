/** WhatsApp's 24-hour rules (docs/WHATSAPP.md §9), as pure functions of "now" (epoch ms). */

export const DAY_MS = 24 * 60 * 60 * 1000

/** True when `since` is less than 24 hours before `now`. */
export const within24h = (since: Date | null, now: number): boolean => since !== null && now - since.getTime() < DAY_MS

/** The customer-service window: free text is allowed for 24 h after the lead's newest message. */
export const windowOpen = (lastUserMessageAt: Date | null, now: number): boolean => within24h(lastUserMessageAt, now)
