/**
 * Inline SVG charts: columns per day (one or two series) and labelled horizontal bars. Each is a
 * figure with a caption and the same numbers as a table for screen readers.
 */
import { useId } from "preact/hooks"

export interface Series {
  readonly name: string
  /** a CSS class giving its colour (see styles.css) */
  readonly tone: "s1" | "s2"
}

export interface Column {
  readonly label: string
  readonly values: ReadonlyArray<number>
}

const niceMax = (n: number) => {
  if (n <= 0) return 1
  const magnitude = 10 ** Math.floor(Math.log10(n))
  const step = [1, 2, 2.5, 5, 10].find((s) => s * magnitude >= n) ?? 10
  return step * magnitude
}

/** The numbers for screen readers (a table ignores `height`, so the wrapper hides it). */
const DataTable = (props: { readonly caption: string; readonly head: ReadonlyArray<string>; readonly rows: ReadonlyArray<ReadonlyArray<string>> }) => (
  <div class="sr-only">
    <table>
      <caption>{props.caption}</caption>
      <thead><tr>{props.head.map((h) => <th key={h} scope="col">{h}</th>)}</tr></thead>
      <tbody>{props.rows.map((r, i) => <tr key={i}>{r.map((c, j) => j === 0 ? <th key={j} scope="row">{c}</th> : <td key={j}>{c}</td>)}</tr>)}</tbody>
    </table>
  </div>
)

export const ColumnChart = (props: {
  readonly title: string
  readonly series: ReadonlyArray<Series>
  readonly columns: ReadonlyArray<Column>
  readonly format?: (n: number) => string
}) => {
  const id = useId()
  const format = props.format ?? String
  const max = niceMax(Math.max(0, ...props.columns.flatMap((c) => c.values)))
  const width = 460
  const height = 200
  // room for the longest axis label (about 7 units a character at 12px)
  const left = 12 + 7 * Math.max(...[0, 0.5, 1].map((f) => format(max * f).length))
  const bottom = 24
  const plotW = width - left - 8
  const plotH = height - bottom - 10
  const slot = plotW / Math.max(1, props.columns.length)
  const barW = Math.max(1, (slot * 0.75) / props.series.length)
  const every = Math.ceil(props.columns.length / 6)
  return (
    <figure class="chart">
      <figcaption id={id}>{props.title}</figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby={id}>
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line class="grid" x1={left} x2={width - 8} y1={10 + plotH * (1 - f)} y2={10 + plotH * (1 - f)} />
            <text class="axis" x={left - 6} y={14 + plotH * (1 - f)} text-anchor="end">{format(max * f)}</text>
          </g>
        ))}
        {props.columns.map((c, i) => (
          <g key={c.label}>
            {c.values.map((v, s) => {
              const h = (v / max) * plotH
              return (
                <rect
                  key={s}
                  class={`bar ${props.series[s]?.tone ?? "s1"}`}
                  x={left + i * slot + slot * 0.125 + s * barW}
                  y={10 + plotH - h}
                  width={barW}
                  height={h}
                >
                  <title>{`${c.label} · ${props.series[s]?.name ?? ""}: ${format(v)}`}</title>
                </rect>
              )
            })}
            {i % every === 0 ? <text class="axis" x={left + i * slot + slot / 2} y={height - 6} text-anchor="middle">{c.label}</text> : null}
          </g>
        ))}
      </svg>
      {props.series.length > 1
        ? <p class="legend">{props.series.map((s) => <span key={s.name}><i class={`swatch ${s.tone}`} aria-hidden="true" />{s.name}</span>)}</p>
        : null}
      <DataTable caption={props.title} head={["Day", ...props.series.map((s) => s.name)]} rows={props.columns.map((c) => [c.label, ...c.values.map(format)])} />
    </figure>
  )
}

export const BarList = (props: {
  readonly title: string
  readonly items: ReadonlyArray<{ readonly label: string; readonly value: number }>
  readonly format?: (n: number) => string
  readonly empty?: string
}) => {
  const id = useId()
  const format = props.format ?? String
  const max = Math.max(1, ...props.items.map((i) => i.value))
  const row = 28
  const width = 460
  const labelW = 170
  const height = Math.max(1, props.items.length) * row + 4
  return (
    <figure class="chart">
      <figcaption id={id}>{props.title}</figcaption>
      {props.items.length === 0 ? <p class="empty">{props.empty ?? "Nothing in this period."}</p> : (
        <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby={id}>
          {props.items.map((item, i) => {
            const w = ((width - labelW - 60) * item.value) / max
            return (
              <g key={item.label}>
                <text class="label" x={labelW - 8} y={i * row + 19} text-anchor="end">{item.label}</text>
                <rect class="bar s1" x={labelW} y={i * row + 5} width={Math.max(item.value > 0 ? 2 : 0, w)} height={row - 10}>
                  <title>{`${item.label}: ${format(item.value)}`}</title>
                </rect>
                <text class="value" x={labelW + w + 6} y={i * row + 19}>{format(item.value)}</text>
              </g>
            )
          })}
        </svg>
      )}
      <DataTable caption={props.title} head={["", "Count"]} rows={props.items.map((i) => [i.label, format(i.value)])} />
    </figure>
  )
}
