/** The organization's WhatsApp numbers (health, callback URL, connecting one) and its invite code. */
import { useEffect, useState } from "preact/hooks"
import type { Channel } from "../../domain/dashboard/settings.ts"
import { rpc } from "./live.ts"
import { ActionButton, Badge, Empty, ErrorText, Field, inputValue as value } from "./ui.tsx"

const NO_CHANNEL = { phone_number_id: "", display_phone_number: "", transport: "cloud", access_token: "", app_secret: "", verify_token: "" }

const AddChannel = (props: { readonly added: () => void }) => {
  const [form, setForm] = useState(NO_CHANNEL)
  const [error, setError] = useState<string | null>(null)
  const set = (key: keyof typeof form) => (e: Event) => setForm((f) => ({ ...f, [key]: value(e) }))
  /** Blank fields are left out (secrets are optional). */
  const given = (s: string) => s.trim() === "" ? undefined : s.trim()
  return (
    <form onSubmit={async (e) => {
      e.preventDefault()
      setError(null)
      try {
        const display = given(form.display_phone_number)
        const token = given(form.access_token)
        const appSecret = given(form.app_secret)
        const verify = given(form.verify_token)
        await rpc((r) => r["channels.create"]({
          phone_number_id: form.phone_number_id.trim(),
          transport: form.transport === "sandbox" ? "sandbox" : "cloud",
          ...(display === undefined ? {} : { display_phone_number: display }),
          ...(token === undefined ? {} : { access_token: token }),
          ...(appSecret === undefined ? {} : { app_secret: appSecret }),
          ...(verify === undefined ? {} : { verify_token: verify })
        }))
        setForm(NO_CHANNEL)
        props.added()
      } catch (err) {
        setError(err instanceof Error ? err.message : String(err))
      }
    }}>
      <fieldset>
        <legend>Connect a number</legend>
        <div class="filter-row">
          <Field label="Phone number id" hint="From Meta's WhatsApp Manager">{(id) => <input id={id} required value={form.phone_number_id} onInput={set("phone_number_id")} />}</Field>
          <Field label="Display number">{(id) => <input id={id} value={form.display_phone_number} onInput={set("display_phone_number")} />}</Field>
        </div>
        <Field label="Transport">
          {(id) => (
            <select id={id} value={form.transport} onChange={set("transport")}>
              <option value="cloud">WhatsApp Cloud API</option>
              <option value="sandbox">Sandbox (nothing leaves this server)</option>
            </select>
          )}
        </Field>
        <Field label="Access token" hint="Needed for the Cloud API; checked with Meta, never shown again.">
          {(id) => <input id={id} type="password" autocomplete="off" value={form.access_token} onInput={set("access_token")} />}
        </Field>
        <div class="filter-row">
          <Field label="App secret">{(id) => <input id={id} type="password" autocomplete="off" value={form.app_secret} onInput={set("app_secret")} />}</Field>
          <Field label="Verify token">{(id) => <input id={id} type="password" autocomplete="off" value={form.verify_token} onInput={set("verify_token")} />}</Field>
        </div>
        <button type="submit">Connect</button>
      </fieldset>
      <ErrorText error={error} />
    </form>
  )
}

export const Channels = (props: { readonly admin: boolean }) => {
  const [channels, setChannels] = useState<ReadonlyArray<Channel> | null>(null)
  const [error, setError] = useState<string | null>(null)
  const load = () =>
    rpc((r) => r["channels.list"]()).then(setChannels, (e: unknown) => setError(e instanceof Error ? e.message : String(e)))
  useEffect(() => void load(), [])
  return (
    <section class="card" aria-labelledby="channels-h">
      <h2 id="channels-h">WhatsApp channels</h2>
      <ErrorText error={error} />
      {channels === null ? <p class="muted" role="status">Loading…</p> : channels.length === 0 ? <Empty>No number connected yet.</Empty> : (
        <table class="data">
          <thead><tr><th scope="col">Number</th><th scope="col">Transport</th><th scope="col">Health</th><th scope="col">Webhook URL</th></tr></thead>
          <tbody>
            {channels.map((c) => (
              <tr key={c.id}>
                <th scope="row">{c.display_phone_number || c.phone_number_id}</th>
                <td>{c.transport === "cloud" ? "Cloud API" : "Sandbox"}</td>
                <td><Badge tone={c.health === "ok" ? "good" : "bad"}>{c.health === "ok" ? "Healthy" : c.health}</Badge></td>
                <td><code>{`${location.origin}/webhooks/whatsapp/${c.id}`}</code></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {props.admin ? <AddChannel added={() => void load()} /> : null}
    </section>
  )
}

export const Invite = () => {
  const [code, setCode] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => void rpc((r) => r["organization.getInvite"]()).then((i) => setCode(i.invite_code), (e: unknown) => setError(e instanceof Error ? e.message : String(e))), [])
  return (
    <section class="card" aria-labelledby="invite-h">
      <h2 id="invite-h">Invite colleagues</h2>
      <p>They choose “Join your team” on the sign-in page and enter this code:</p>
      <p><code class="invite">{code ?? "…"}</code></p>
      <ErrorText error={error} />
      <ActionButton busyLabel="Rotating…" action={async () => setCode((await rpc((r) => r["organization.rotateInvite"]())).invite_code)}>
        New code (the old one stops working)
      </ActionButton>
    </section>
  )
}
