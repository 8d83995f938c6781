/**
 * `npm run admin -- create --email E --password P [--org NAME] [--name N]`: creates, or resets,
 * an admin of the quick-setup (default) organization, or of the organization named by --org
 * (created when there is none). `--password-stdin` reads the password from the first line of
 * stdin instead (keeps it out of the shell history and the process list). Prints the
 * organization and its invite code (for agents to join), never the password. Database:
 * DATABASE_URL, else (development) the embedded one of DATA_DIR (src/db/toolDatabase.ts).
 */
import { createInterface } from "node:readline"
import { Console, Effect, Option, Redacted } from "effect"
import { createOrResetAdmin } from "../src/auth/adminAccount.ts"
import { ToolDatabaseLive } from "../src/db/toolDatabase.ts"
import { runCli, UsageError } from "./cli.ts"

const USAGE = "usage: npm run admin -- create --email E (--password P | --password-stdin) [--org NAME] [--name N]"

const parse = (argv: ReadonlyArray<string>) => {
  const [command, ...rest] = argv
  if (command !== "create") return new UsageError(USAGE)
  const values = new Map<string, string>()
  const flags = new Set<string>()
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] ?? ""
    if (arg === "--password-stdin") flags.add(arg)
    else if (["--email", "--password", "--org", "--name"].includes(arg) && rest[i + 1] !== undefined) values.set(arg, rest[++i] ?? "")
    else return new UsageError(`unexpected ${JSON.stringify(arg)}; ${USAGE}`)
  }
  const email = values.get("--email")
  if (email === undefined) return new UsageError(`--email is required; ${USAGE}`)
  if (values.has("--password") === flags.has("--password-stdin")) return new UsageError(`give --password or --password-stdin; ${USAGE}`)
  return { email, password: values.get("--password"), org: values.get("--org"), name: values.get("--name") }
}

const firstLineOfStdin = Effect.promise(async () => {
  const lines = createInterface({ input: process.stdin })
  for await (const line of lines) {
    lines.close()
    return line
  }
  return ""
})

const program = Effect.gen(function*() {
  const args = parse(process.argv.slice(2))
  if (args instanceof UsageError) return yield* Effect.fail(args)
  const password = Redacted.make(args.password ?? (yield* firstLineOfStdin))
  const result = yield* createOrResetAdmin({
    email: args.email,
    password,
    organization: Option.fromNullishOr(args.org),
    name: Option.fromNullishOr(args.name)
  })
  const org = result.organization
  yield* Console.log(`${result.action === "created" ? "Created" : "Reset"} admin ${result.email} of organization "${org.name}" (${org.id})${org.created ? ", created now" : ""}`)
  yield* Console.log(`Invite code for agents to join it: ${org.inviteCode}`)
  yield* Console.log("Sign in with POST /auth/login {email, password}.")
}).pipe(Effect.provide(ToolDatabaseLive))

runCli(program)
