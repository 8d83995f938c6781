/** Small shared pieces: labelled fields, badges, alerts, an async button. */
import type { ButtonHTMLAttributes, ComponentChildren } from "preact"
import { useId, useState } from "preact/hooks"

export const Field = (props: { readonly label: string; readonly hint?: string; readonly children: (id: string) => ComponentChildren }) => {
  const id = useId()
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      {props.children(id)}
      {props.hint === undefined ? null : <small class="hint">{props.hint}</small>}
    </div>
  )
}

export const Badge = (props: { readonly tone?: "neutral" | "good" | "warn" | "bad" | "info"; readonly title?: string | undefined; readonly children: ComponentChildren }) => (
  <span class={`badge badge-${props.tone ?? "neutral"}`} title={props.title}>{props.children}</span>
)

export const ErrorText = (props: { readonly error: string | null }) =>
  props.error === null ? null : <p class="error" role="alert">{props.error}</p>

/** A button that runs an async action, is disabled meanwhile and reports a failure next to it. */
export const ActionButton = (props: Omit<ButtonHTMLAttributes<HTMLButtonElement>, "onClick"> & {
  readonly action: () => Promise<unknown>
  readonly busyLabel?: string
  readonly children: ComponentChildren
}) => {
  const { action, busyLabel, children, ...rest } = props
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  return (
    <span class="action">
      <button
        type="button"
        {...rest}
        disabled={busy || props.disabled === true}
        aria-busy={busy}
        onClick={async () => {
          setBusy(true)
          setError(null)
          try {
            await action()
          } catch (e) {
            setError(e instanceof Error ? e.message : String(e))
          } finally {
            setBusy(false)
          }
        }}
      >
        {busy && busyLabel !== undefined ? busyLabel : children}
      </button>
      <ErrorText error={error} />
    </span>
  )
}

export const Empty = (props: { readonly children: ComponentChildren }) => <p class="empty">{props.children}</p>

export interface Option<A extends string> {
  readonly value: A
  readonly label: string
}

/** A labelled select over a closed set of values (an enum, a filter with "All"). */
export const Choice = <A extends string>(props: {
  readonly label: string
  readonly value: A
  readonly options: ReadonlyArray<Option<A>>
  readonly onChange: (value: A) => void
}) => (
  <Field label={props.label}>
    {(id) => (
      <select id={id} value={props.value} onChange={(e) => {
        const chosen = props.options.find((o) => o.value === e.currentTarget.value)
        if (chosen !== undefined) props.onChange(chosen.value)
      }}>
        {props.options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
      </select>
    )}
  </Field>
)

/** The options of an enum, worded by `labels`. */
export const optionsOf = <A extends string>(values: ReadonlyArray<A>, labels: Readonly<Record<A, string>>): ReadonlyArray<Option<A>> =>
  values.map((value) => ({ value, label: labels[value] }))

/** The value of the input, textarea or select an event came from. */
export const inputValue = (e: Event) => {
  const t = e.currentTarget
  return t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement ? t.value : ""
}
