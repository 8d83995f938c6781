/**
 * The signed-in session's connection: one RPC socket, its state for the header, the live events
 * for whoever listens (inbox, open conversation), and sign-out when the token stops working.
 */
import type { Effect } from "effect"
import type { DomainEvent } from "../../domain/events.ts"
import { ApiError, auth, connect, type Connection, type ConnectionState, type Rpc } from "./api.ts"
import { type Session, session as currentSession, signOut } from "./session.ts"
import { store } from "./store.ts"

export const connectionState = store<ConnectionState>("connecting")

const eventListeners = new Set<(event: DomainEvent) => void>()
const resumeListeners = new Set<() => void>()

/** Every live event of the organization; returns the unsubscribe. */
export const onEvent = (listener: (event: DomainEvent) => void) => {
  eventListeners.add(listener)
  return () => void eventListeners.delete(listener)
}

/** Called when the stream starts again after a gap: what is shown may be stale. */
export const onResume = (listener: () => void) => {
  resumeListeners.add(listener)
  return () => void resumeListeners.delete(listener)
}

let current: { readonly connection: Connection; readonly session: Session; readonly expiry: number } | null = null
let checking = false

/** An offline socket may be a refused token (expired, user deactivated): ask once over HTTP. */
const checkToken = async (token: string) => {
  if (checking) return
  checking = true
  try {
    await auth.me(token)
  } catch (error) {
    if (error instanceof ApiError && error.tag === "Unauthorized" && current?.session.token === token) signOut()
  } finally {
    checking = false
  }
}

export const start = (session: Session) => {
  if (current?.session.token === session.token) return
  void stop()
  const connection = connect({
    token: session.token,
    onEvent: (event) => {
      for (const listener of [...eventListeners]) listener(event)
    },
    onState: (state) => {
      connectionState.set(state)
      if (state === "offline") void checkToken(session.token)
    },
    onResume: () => {
      for (const listener of [...resumeListeners]) listener()
    }
  })
  const expiry = window.setTimeout(signOut, Math.max(0, session.expiresAt - Date.now()))
  current = { connection, session, expiry }
}

export const stop = async () => {
  const previous = current
  current = null
  if (previous === null) return
  window.clearTimeout(previous.expiry)
  connectionState.set("connecting")
  await previous.connection.close()
}

/** One typed call on the session's connection; a refused token signs out. */
export const rpc = async <A, E>(f: (rpc: Rpc) => Effect.Effect<A, E>): Promise<A> => {
  // a page may ask before the app's effect opened the connection (children's effects run first)
  const signedIn = currentSession.get()
  if (signedIn === null) throw new ApiError("SignedOut", "You are signed out.")
  start(signedIn)
  if (current === null) throw new ApiError("SignedOut", "You are signed out.")
  try {
    return await current.connection.call(f)
  } catch (error) {
    if (error instanceof ApiError && error.tag === "Unauthorized") signOut()
    throw error
  }
}
