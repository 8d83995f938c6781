/** Paths under /app and the History API: every page has its own address (reload, back, share). */
import type { AnchorHTMLAttributes } from "preact"
import { store } from "./store.ts"

export type Route =
  | { readonly page: "inbox"; readonly conversationId: string | null }
  | { readonly page: "business" }
  | { readonly page: "analytics" }
  | { readonly page: "sign-in" }
  | { readonly page: "sign-up" }
  | { readonly page: "join" }

export const parse = (pathname: string): Route => {
  const path = pathname.replace(/^\/app\/?/, "").replace(/\/$/, "")
  const conversation = /^conversations\/([0-9a-f-]{36})$/i.exec(path)
  if (conversation?.[1] !== undefined) return { page: "inbox", conversationId: conversation[1] }
  switch (path) {
    case "business":
    case "analytics":
    case "sign-in":
    case "sign-up":
    case "join":
      return { page: path }
    default:
      return { page: "inbox", conversationId: null }
  }
}

export const pathOf = (route: Route): string =>
  route.page === "inbox"
    ? route.conversationId === null ? "/app/inbox" : `/app/conversations/${route.conversationId}`
    : `/app/${route.page}`

export const route = store<Route>(parse(location.pathname))

export const navigate = (path: string, options: { readonly replace?: boolean } = {}) => {
  if (path === location.pathname + location.search) return
  if (options.replace === true) history.replaceState(null, "", path)
  else history.pushState(null, "", path)
  route.set(parse(location.pathname))
}

addEventListener("popstate", () => route.set(parse(location.pathname)))

/** A link that navigates in place (a modified click still opens a new tab). */
export const Link = (props: AnchorHTMLAttributes<HTMLAnchorElement> & { readonly href: string }) => (
  <a
    {...props}
    onClick={(event) => {
      props.onClick?.(event)
      if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return
      event.preventDefault()
      navigate(props.href)
    }}
  />
)
