/** Sign in, create an organization, or join one with an invite code. */
import { useState } from "preact/hooks"
import type { AuthResponse } from "../../domain/dashboard/auth.ts"
import { auth } from "./api.ts"
import { Link, navigate, type Route } from "./router.tsx"
import { signedIn } from "./session.ts"
import { ErrorText, Field } from "./ui.tsx"

type Page = Extract<Route["page"], "sign-in" | "sign-up" | "join">

const TITLES: Record<Page, string> = {
  "sign-in": "Sign in",
  "sign-up": "Create an organization",
  join: "Join your team"
}

interface Input {
  readonly label: string
  readonly type?: "email" | "password"
  readonly autocomplete: string
  readonly hint?: string
  readonly minLength?: number
}

const NEW_PASSWORD: Input = { label: "Password", type: "password", autocomplete: "new-password", hint: "At least 8 characters.", minLength: 8 }
const PERSON = {
  name: { label: "Your name", autocomplete: "name" },
  email: { label: "Email", type: "email", autocomplete: "email" },
  password: NEW_PASSWORD
} as const

/** A form of text fields, all required; `send` reads their values by key. */
const Form = <K extends string>(props: {
  readonly inputs: Readonly<Record<K, Input>>
  readonly action: string
  readonly submit: (run: () => Promise<void>) => void
  readonly send: (value: (key: K) => string) => Promise<AuthResponse>
}) => {
  const keys = Object.keys(props.inputs).filter((k): k is K => k in props.inputs)
  const [values, setValues] = useState<Readonly<Record<string, string>>>({})
  const value = (key: K) => values[key] ?? ""
  return (
    <form onSubmit={(e) => {
      e.preventDefault()
      props.submit(async () => signedIn(await props.send(value)))
    }}>
      {keys.map((key) => {
        const input = props.inputs[key]
        const common = {
          autocomplete: input.autocomplete,
          minLength: input.minLength,
          required: true,
          value: value(key),
          onInput: (e: Event) => {
            const target = e.currentTarget
            if (target instanceof HTMLInputElement) setValues((v) => ({ ...v, [key]: target.value }))
          }
        }
        return (
          <Field key={key} label={input.label} {...(input.hint === undefined ? {} : { hint: input.hint })}>
            {(id) => input.type === "password"
              ? <input id={id} type="password" {...common} />
              : input.type === "email"
              ? <input id={id} type="email" {...common} />
              : <input id={id} type="text" {...common} />}
          </Field>
        )
      })}
      <button type="submit" class="primary">{props.action}</button>
    </form>
  )
}

const SignInForm = (props: { readonly submit: (run: () => Promise<void>) => void }) => (
  <Form
    inputs={{ email: { label: "Email", type: "email", autocomplete: "username" }, password: { label: "Password", type: "password", autocomplete: "current-password" } }}
    action="Sign in"
    submit={props.submit}
    send={(v) => auth.login({ email: v("email"), password: v("password") })}
  />
)

const SignUpForm = (props: { readonly submit: (run: () => Promise<void>) => void }) => (
  <Form
    inputs={{ organization_name: { label: "Organization name", autocomplete: "organization" }, ...PERSON }}
    action="Create organization"
    submit={props.submit}
    send={(v) => auth.createOrg({ organization_name: v("organization_name"), name: v("name"), email: v("email"), password: v("password") })}
  />
)

const JoinForm = (props: { readonly submit: (run: () => Promise<void>) => void }) => (
  <Form
    inputs={{ invite_code: { label: "Invite code", autocomplete: "off", hint: "Your administrator finds it under Business." }, ...PERSON }}
    action="Join"
    submit={props.submit}
    send={(v) => auth.joinOrg({ invite_code: v("invite_code").trim(), name: v("name"), email: v("email"), password: v("password") })}
  />
)

export const Auth = (props: { readonly page: Page }) => {
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const submit = (run: () => Promise<void>) => {
    setBusy(true)
    setError(null)
    run().then(
      () => navigate("/app/inbox", { replace: true }),
      (e: unknown) => {
        setBusy(false)
        setError(e instanceof Error ? e.message : String(e))
      }
    )
  }
  const other = (["sign-in", "sign-up", "join"] as const).filter((p) => p !== props.page)
  return (
    <main class="auth" id="main">
      <div class="auth-card">
        <p class="brand">WhatsApp sales inbox</p>
        <h1>{TITLES[props.page]}</h1>
        <fieldset disabled={busy}>
          {props.page === "sign-in" ? <SignInForm submit={submit} /> : props.page === "sign-up" ? <SignUpForm submit={submit} /> : <JoinForm submit={submit} />}
        </fieldset>
        <ErrorText error={error} />
        <nav class="auth-links" aria-label="Other ways in">
          {other.map((p) => <Link key={p} href={`/app/${p}`}>{TITLES[p]}</Link>)}
        </nav>
      </div>
    </main>
  )
}
