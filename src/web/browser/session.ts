/** The signed-in person: the token and who they are, kept in this browser until it expires or they sign out. */
import { Option, Schema } from "effect"
import { AuthOrganization, AuthUser } from "../../domain/dashboard/auth.ts"
import type { AuthResponse } from "../../domain/dashboard/auth.ts"
import { store } from "./store.ts"

const Session = Schema.Struct({
  token: Schema.String,
  /** epoch ms */
  expiresAt: Schema.Number,
  user: AuthUser,
  organization: AuthOrganization
})
export type Session = typeof Session.Type

const KEY = "wa-inbox.session"
const SessionJson = Schema.fromJsonString(Session)
const decode = Schema.decodeUnknownOption(SessionJson)
const encode = Schema.encodeSync(SessionJson)

const stored = (): Session | null => {
  const raw = localStorage.getItem(KEY)
  if (raw === null) return null
  const session = Option.getOrNull(decode(raw))
  return session !== null && session.expiresAt > Date.now() ? session : null
}

export const session = store<Session | null>(stored())

export const signedIn = (response: AuthResponse) => {
  const next: Session = {
    token: response.access_token,
    // a minute early: never send a token the server is about to refuse
    expiresAt: Date.now() + Math.max(0, response.expires_in - 60) * 1000,
    user: response.user,
    organization: response.organization
  }
  localStorage.setItem(KEY, encode(next))
  session.set(next)
}

export const signOut = () => {
  localStorage.removeItem(KEY)
  session.set(null)
}

// another tab signed in or out
addEventListener("storage", (event) => {
  if (event.key === KEY) session.set(stored())
})
