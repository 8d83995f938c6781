import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/globalSetup.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // "test", not "development": services started by tests set up no dev sandbox (src/sandbox)
    env: { LOG_LEVEL: "warn", APP_ENV: "test" }
  }
})
