/** The app: the sign-in pages, or the shell (header, navigation, connection state) around a page. */
import type { ComponentChildren } from "preact"
import { useEffect } from "preact/hooks"
import { Analytics } from "./Analytics.tsx"
import { Auth } from "./Auth.tsx"
import { Business } from "./Business.tsx"
import * as conversation from "./conversation.ts"
import * as inbox from "./inbox.ts"
import { Inbox } from "./Inbox.tsx"
import { connectionState, start, stop } from "./live.ts"
import { Link, navigate, route, type Route } from "./router.tsx"
import { type Session, session, signOut } from "./session.ts"
import { useStore } from "./store.ts"

const isAuthPage = (r: Route): r is Extract<Route, { page: "sign-in" | "sign-up" | "join" }> =>
  r.page === "sign-in" || r.page === "sign-up" || r.page === "join"

const STATE_TEXT = { connecting: "Connecting…", live: "Live", offline: "Reconnecting…" } as const

const Shell = (props: { readonly session: Session; readonly route: Route; readonly children: ComponentChildren }) => {
  const state = useStore(connectionState)
  const nav = [
    { href: "/app/inbox", label: "Inbox", current: props.route.page === "inbox" },
    { href: "/app/business", label: "Business", current: props.route.page === "business" },
    { href: "/app/analytics", label: "Analytics", current: props.route.page === "analytics" }
  ]
  return (
    <div class="shell">
      <a class="skip" href="#main">Skip to content</a>
      <header class="topbar">
        <span class="brand">{props.session.organization.name}</span>
        <nav aria-label="Main">
          <ul>
            {nav.map((n) => (
              <li key={n.href}>
                <Link href={n.href} aria-current={n.current ? "page" : undefined}>{n.label}</Link>
              </li>
            ))}
          </ul>
        </nav>
        <span class={`live live-${state}`} role="status" aria-live="polite">{STATE_TEXT[state]}</span>
        <span class="who" title={props.session.user.email}>
          {props.session.user.name} <span class="muted">({props.session.user.role})</span>
        </span>
        <button type="button" class="link" onClick={() => signOut()}>Sign out</button>
      </header>
      {props.children}
    </div>
  )
}

export const App = () => {
  const current = useStore(session)
  const r = useStore(route)
  const token = current?.token ?? null

  useEffect(() => {
    if (current === null) {
      void stop()
      conversation.close()
      return
    }
    start(current)
    inbox.follow(current.user.id)
    conversation.follow()
  }, [token])

  useEffect(() => {
    if (current === null && !isAuthPage(r)) navigate("/app/sign-in", { replace: true })
    if (current !== null && isAuthPage(r)) navigate("/app/inbox", { replace: true })
  }, [token, r.page])

  if (current === null) return <Auth page={isAuthPage(r) ? r.page : "sign-in"} />
  return (
    <Shell session={current} route={r}>
      {r.page === "business" ? <Business session={current} /> : r.page === "analytics" ? <Analytics /> : r.page === "inbox" ? <Inbox conversationId={r.conversationId} session={current} /> : null}
    </Shell>
  )
}
