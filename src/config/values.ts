/** Value readers for the deployment settings (read.ts has the general ones). */
import { Option } from "effect"
import { ParseFailure } from "./read.ts"

/** true / false (also on/off, yes/no, 1/0). */
export const boolean = (s: string): boolean | ParseFailure => {
  const v = s.toLowerCase()
  if (["true", "on", "yes", "1"].includes(v)) return true
  if (["false", "off", "no", "0"].includes(v)) return false
  return new ParseFailure(`must be true or false`)
}

/** Comma-separated browser origins, `scheme://host[:port]` exactly as a browser sends them. */
export const originList = (s: string): ReadonlyArray<string> | ParseFailure => {
  const out: Array<string> = []
  for (const item of s.split(",").map((x) => x.trim()).filter((x) => x.length > 0)) {
    let url: URL
    try {
      url = new URL(item)
    } catch {
      return new ParseFailure(`must be origins such as https://app.example.com, separated by commas; got ${JSON.stringify(item)}`, false)
    }
    if ((url.protocol !== "https:" && url.protocol !== "http:") || url.origin !== item.replace(/\/$/, "")) {
      return new ParseFailure(`must be origins (scheme://host[:port], no path, no "*"), separated by commas; got ${JSON.stringify(item)}`, false)
    }
    out.push(url.origin)
  }
  return out
}

/** `https://sqs.eu-west-1.amazonaws.com/123/q.fifo` → eu-west-1 (also the legacy `<region>.queue.amazonaws.com`). */
export const awsRegionOfQueue = (queueUrl: string): Option.Option<string> => {
  const host = new URL(queueUrl).hostname
  const match = /^sqs\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(host) ?? /^([a-z0-9-]+)\.queue\.amazonaws\.com(\.cn)?$/.exec(host)
  return Option.fromNullishOr(match?.[1])
}
