/**
 * Headless Chromium for the web inbox's tests, driven by playwright-core with the system's
 * browser (Debian's `chromium`; `.ci/run` installs it). Nothing is downloaded: without a browser
 * the tests fail in CI and are skipped elsewhere, saying how to get one.
 */
import { existsSync } from "node:fs"
import { Effect } from "effect"
import { type Browser, chromium } from "playwright-core"

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable"]

/** CHROMIUM_PATH, else the first system browser found. */
export const chromiumPath = (): string | null => {
  const configured = process.env.CHROMIUM_PATH
  if (configured !== undefined && configured !== "") return existsSync(configured) ? configured : null
  return CANDIDATES.find((path) => existsSync(path)) ?? null
}

export const MISSING_BROWSER = "no Chromium found (set CHROMIUM_PATH, or `apt-get install -y chromium`; `.ci/run` installs it)"

/**
 * As root on this machine: no sandbox; no background networking (the machine has no network
 * but the package registries, and Chromium would keep trying Google's hosts).
 */
const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage"
]

/** A browser for the scope of the test; closed with it. */
export const launchBrowser = (executablePath: string) =>
  Effect.acquireRelease(
    Effect.promise((): Promise<Browser> => chromium.launch({ executablePath, headless: true, args: ARGS })),
    (browser) => Effect.promise(() => browser.close())
  )
