/**
 * The business the bot sells for: profile, tone and languages, products, FAQs, quiet hours and
 * follow-up limits (admins edit, agents read); its WhatsApp channels with their health; the
 * invite code for colleagues.
 */
import { useEffect, useState } from "preact/hooks"
import type { BusinessProfile } from "../../domain/dashboard/settings.ts"
import { Channels, Invite } from "./Channels.tsx"
import { rpc } from "./live.ts"
import type { Session } from "./session.ts"
import { Empty, ErrorText, Field, inputValue as value } from "./ui.tsx"

type Profile = BusinessProfile
type Product = Profile["products"][number]
type Faq = Profile["faqs"][number]

const int = (e: Event) => {
  const n = Number(value(e))
  return Number.isFinite(n) ? Math.round(n) : 0
}

const TIME_ZONES = (() => {
  try {
    return Intl.supportedValuesOf("timeZone")
  } catch {
    return ["UTC"]
  }
})()

const Products = (props: { readonly items: ReadonlyArray<Product>; readonly change: (items: ReadonlyArray<Product>) => void }) => {
  const set = (i: number, patch: Partial<Product>) => props.change(props.items.map((p, j) => j === i ? { ...p, ...patch } : p))
  return (
    <fieldset>
      <legend>Products and prices</legend>
      <p class="hint">The bot quotes only prices written here (or in the description, policies and FAQs).</p>
      {props.items.length === 0 ? <Empty>No products yet.</Empty> : null}
      {props.items.map((p, i) => (
        <div class="repeat" key={i}>
          <Field label={`Product ${i + 1} name`}>{(id) => <input id={id} required value={p.name} onInput={(e) => set(i, { name: value(e) })} />}</Field>
          <div class="filter-row">
            <Field label={`Product ${i + 1} price`}>
              {(id) => (
                <input id={id} type="number" min={0} step="0.01" value={p.price ?? ""} onInput={(e) => {
                  const v = value(e)
                  set(i, { price: v === "" ? null : Number(v) })
                }} />
              )}
            </Field>
            <Field label={`Product ${i + 1} currency`}>
              {(id) => <input id={id} size={4} maxLength={3} placeholder="USD" value={p.currency ?? ""} onInput={(e) => set(i, { currency: value(e).toUpperCase() || null })} />}
            </Field>
          </div>
          <Field label={`Product ${i + 1} description`}>{(id) => <textarea id={id} rows={2} value={p.description} onInput={(e) => set(i, { description: value(e) })} />}</Field>
          <button type="button" class="link danger" onClick={() => props.change(props.items.filter((_, j) => j !== i))}>Remove product {i + 1}</button>
        </div>
      ))}
      <button type="button" onClick={() => props.change([...props.items, { name: "", description: "", price: null, currency: null }])}>Add a product</button>
    </fieldset>
  )
}

const Faqs = (props: { readonly items: ReadonlyArray<Faq>; readonly change: (items: ReadonlyArray<Faq>) => void }) => {
  const set = (i: number, patch: Partial<Faq>) => props.change(props.items.map((f, j) => j === i ? { ...f, ...patch } : f))
  return (
    <fieldset>
      <legend>Frequently asked questions</legend>
      {props.items.length === 0 ? <Empty>No FAQs yet.</Empty> : null}
      {props.items.map((f, i) => (
        <div class="repeat" key={i}>
          <Field label={`Question ${i + 1}`}>{(id) => <input id={id} required value={f.question} onInput={(e) => set(i, { question: value(e) })} />}</Field>
          <Field label={`Answer ${i + 1}`}>{(id) => <textarea id={id} required rows={2} value={f.answer} onInput={(e) => set(i, { answer: value(e) })} />}</Field>
          <button type="button" class="link danger" onClick={() => props.change(props.items.filter((_, j) => j !== i))}>Remove question {i + 1}</button>
        </div>
      ))}
      <button type="button" onClick={() => props.change([...props.items, { question: "", answer: "" }])}>Add a question</button>
    </fieldset>
  )
}

const ProfileForm = (props: { readonly initial: Profile; readonly admin: boolean }) => {
  const [p, setP] = useState(props.initial)
  const [saved, setSaved] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const patch = (change: Partial<Profile>) => {
    setSaved(null)
    setP((x) => ({ ...x, ...change }))
  }
  const followup = (change: Partial<Profile["followup"]>) => patch({ followup: { ...p.followup, ...change } })
  return (
    <form class="settings" onSubmit={async (e) => {
      e.preventDefault()
      setBusy(true)
      setError(null)
      try {
        const stored = await rpc((r) => r["organization.putProfile"]({ profile: p }))
        setP(stored)
        setSaved("Saved. The bot uses it from its next turn.")
      } catch (err) {
        setError(err instanceof Error ? err.message : String(err))
      } finally {
        setBusy(false)
      }
    }}>
      {props.admin ? null : <p class="notice" role="note">Only an administrator can change these settings.</p>}
      <fieldset disabled={!props.admin || busy} class="plain">
        <fieldset>
          <legend>Profile</legend>
          <Field label="Business name">{(id) => <input id={id} value={p.business_name} onInput={(e) => patch({ business_name: value(e) })} />}</Field>
          <Field label="What the business does">{(id) => <textarea id={id} rows={4} value={p.description} onInput={(e) => patch({ description: value(e) })} />}</Field>
          <Field label="Policies" hint="Delivery, returns, payment: what the bot may state.">
            {(id) => <textarea id={id} rows={3} value={p.policies} onInput={(e) => patch({ policies: value(e) })} />}
          </Field>
          <Field label="Tone" hint="e.g. warm and concise">{(id) => <input id={id} value={p.tone} onInput={(e) => patch({ tone: value(e) })} />}</Field>
          <Field label="Languages" hint="Codes, first is the default: en, es, pt">
            {(id) => (
              <input id={id} value={p.languages.join(", ")} onChange={(e) =>
                patch({ languages: value(e).split(",").map((l) => l.trim()).filter((l) => l !== "") })} />
            )}
          </Field>
        </fieldset>
        <Products items={p.products} change={(products) => patch({ products })} />
        <Faqs items={p.faqs} change={(faqs) => patch({ faqs })} />
        <fieldset>
          <legend>Quiet hours and follow-ups</legend>
          <Field label="Time zone">
            {(id) => (
              <>
                <input id={id} list={`${id}-zones`} value={p.timezone} onInput={(e) => patch({ timezone: value(e) })} />
                <datalist id={`${id}-zones`}>{TIME_ZONES.map((z) => <option key={z} value={z} />)}</datalist>
              </>
            )}
          </Field>
          <div class="filter-row">
            <Field label="Quiet from">{(id) => <input id={id} type="time" value={p.quiet_hours_start ?? ""} onInput={(e) => patch({ quiet_hours_start: value(e) || null })} />}</Field>
            <Field label="Quiet until">{(id) => <input id={id} type="time" value={p.quiet_hours_end ?? ""} onInput={(e) => patch({ quiet_hours_end: value(e) || null })} />}</Field>
          </div>
          <div class="filter-row">
            <Field label="Follow-ups per 24 h">{(id) => <input id={id} type="number" min={0} max={1000} value={p.followup.max_per_24h} onInput={(e) => followup({ max_per_24h: int(e) })} />}</Field>
            <Field label="Follow-ups in all">{(id) => <input id={id} type="number" min={0} max={1000} value={p.followup.max_total} onInput={(e) => followup({ max_total: int(e) })} />}</Field>
          </div>
          <div class="filter-row">
            <Field label="Wait at least (min)">{(id) => <input id={id} type="number" min={1} value={p.followup.min_minutes} onInput={(e) => followup({ min_minutes: int(e) })} />}</Field>
            <Field label="Wait at most (min)">{(id) => <input id={id} type="number" min={1} value={p.followup.max_minutes} onInput={(e) => followup({ max_minutes: int(e) })} />}</Field>
          </div>
          <div class="filter-row">
            <Field label="Template after 24 h" hint="An approved WhatsApp template name">
              {(id) => <input id={id} value={p.followup.template_name ?? ""} onInput={(e) => followup({ template_name: value(e) || null })} />}
            </Field>
            <Field label="Its language">{(id) => <input id={id} size={6} value={p.followup.template_language ?? ""} onInput={(e) => followup({ template_language: value(e) || null })} />}</Field>
          </div>
          {p.handoff === undefined ? null : (
            <Field label="A handoff is overdue after (min)">
              {(id) => <input id={id} type="number" min={1} max={10080} value={p.handoff?.overdue_minutes ?? 15} onInput={(e) => {
                const handoff = p.handoff
                if (handoff !== undefined) patch({ handoff: { ...handoff, overdue_minutes: int(e) } })
              }} />}
            </Field>
          )}
        </fieldset>
        {props.admin ? <button type="submit" class="primary">{busy ? "Saving…" : "Save"}</button> : null}
      </fieldset>
      <ErrorText error={error} />
      {saved === null ? null : <p class="ok" role="status">{saved}</p>}
    </form>
  )
}

export const Business = (props: { readonly session: Session }) => {
  const [profile, setProfile] = useState<Profile | null>(null)
  const [error, setError] = useState<string | null>(null)
  const admin = props.session.user.role === "admin"
  useEffect(() => void rpc((r) => r["organization.getProfile"]()).then(setProfile, (e: unknown) => setError(e instanceof Error ? e.message : String(e))), [])
  return (
    <main id="main" class="page">
      <h1>Business</h1>
      <div class="columns">
        <section class="card" aria-labelledby="profile-h">
          <h2 id="profile-h">What the bot knows</h2>
          <ErrorText error={error} />
          {profile === null ? <p class="muted" role="status">Loading…</p> : <ProfileForm initial={profile} admin={admin} />}
        </section>
        <div>
          <Channels admin={admin} />
          {admin ? <Invite /> : null}
        </div>
      </div>
    </main>
  )
}
