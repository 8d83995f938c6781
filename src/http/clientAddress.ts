/**
 * The client address that auth attempts are counted against (src/auth/LoginThrottle.ts).
 *
 * By default the socket's remote address: `X-Forwarded-For` is written by whoever sends the
 * request, so it is ignored. Behind reverse proxies, `TRUST_PROXY` = the number of proxies in
 * front of the app: each appends the address it received the request from to `X-Forwarded-For`,
 * so the client is the `TRUST_PROXY`-th entry from the right (1: the last one, written by the proxy
 * the app is connected to); entries further left were written by the client and are never used
 * (a client can prepend anything, but cannot change what our proxies append). A chain shorter than the
 * trusted hops gives its leftmost entry. An entry that is not an IP address (`unknown`, garbage from
 * a misconfigured proxy) falls back to the socket's address.
 *
 * IPv6 addresses count per /64 network (one subscriber gets a whole /64; per-address limits would
 * mean nothing); IPv4-mapped IPv6 (`::ffff:192.0.2.1`) is the IPv4 address.
 */
import { isIP, isIPv4 } from "node:net"

export const UNKNOWN_ADDRESS = "unknown"

/** `1.2.3.4:5678` → `1.2.3.4`, `[2001:db8::1]:443` → `2001:db8::1`, zone ids dropped; else the text trimmed. */
const withoutPort = (entry: string) => {
  const s = entry.trim()
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(s)
  if (bracketed?.[1] !== undefined) return bracketed[1]
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(s)
  return v4WithPort?.[1] ?? s
}

/** The 8 hextets of a valid IPv6 address (an embedded IPv4 tail becomes two). */
const hextets = (address: string): Array<number> => {
  const side = (s: string) =>
    s === "" ? [] : s.split(":").flatMap((part) => {
      if (!isIPv4(part)) return [parseInt(part, 16)]
      const [a = 0, b = 0, c = 0, d = 0] = part.split(".").map(Number)
      return [(a << 8) | b, (c << 8) | d]
    })
  const [head = "", tail] = address.split("::")
  const left = side(head)
  const right = tail === undefined ? [] : side(tail)
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right]
}

/** A valid address as its throttling key (IPv4 as is, IPv6 as its /64), else undefined. */
const keyOf = (entry: string): string | undefined => {
  const address = withoutPort(entry).replace(/%.*$/, "")
  const version = isIP(address)
  if (version === 4) return address
  if (version !== 6) return undefined
  const h = hextets(address.toLowerCase())
  if (h.slice(0, 5).every((x) => x === 0) && h[5] === 0xffff) {
    return [h[6] ?? 0, h[7] ?? 0].flatMap((x) => [x >> 8, x & 0xff]).join(".")
  }
  return `${h.slice(0, 4).map((x) => x.toString(16)).join(":")}::/64`
}

/**
 * The keys of the addresses seen last: every request asks, most from a few sockets' addresses
 * (a proxy's, Meta's senders), and working one out (an IPv4-mapped IPv6 address on a dual-stack
 * listener) was ≈ 5 % of a webhook's CPU. Bounded: addresses are the clients' to choose.
 */
const recent = new Map<string, string | undefined>()
const RECENT_MAX = 1_024

/** A valid address as its throttling key (IPv4 as is, IPv6 as its /64), else undefined. */
export const addressKey = (entry: string): string | undefined => {
  if (recent.has(entry)) return recent.get(entry)
  const key = keyOf(entry)
  if (recent.size >= RECENT_MAX) recent.clear()
  recent.set(entry, key)
  return key
}

/**
 * The client address of a request: `remote` (the socket's) unless `trustedHops` > 0, then the
 * entry of `forwardedFor` (all `X-Forwarded-For` values, comma-joined) that many hops away.
 */
export const clientAddress = (remote: string | undefined, forwardedFor: string | undefined, trustedHops: number): string => {
  const socket = remote === undefined ? UNKNOWN_ADDRESS : addressKey(remote) ?? remote
  if (trustedHops <= 0 || forwardedFor === undefined) return socket
  const chain = forwardedFor.split(",").map((s) => s.trim()).filter((s) => s.length > 0)
  if (chain.length === 0) return socket
  // chain[chain.length - 1] is one hop away (written by the proxy the socket is connected to)
  const entry = chain[Math.max(0, chain.length - trustedHops)]
  return (entry === undefined ? undefined : addressKey(entry)) ?? socket
}
