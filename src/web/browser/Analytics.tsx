/** Analytics of a period: the numbers that matter and five charts, from `analytics.get`. */
import { useEffect, useState } from "preact/hooks"
import type { Analytics as Report, DashboardStats } from "../../domain/dashboard/analytics.ts"
import { BarList, ColumnChart } from "./Charts.tsx"
import { actionLabel, percent, reasonLabel, seconds, stageLabel, usd } from "./format.ts"
import { rpc } from "./live.ts"
import { ErrorText, Field } from "./ui.tsx"

const DAY = 24 * 60 * 60 * 1000
const PERIODS = [7, 30, 90] as const

/** Every UTC day of [from, to), "YYYY-MM-DD". */
const daysOf = (from: string, to: string) => {
  const days: Array<string> = []
  for (let t = Date.parse(from.slice(0, 10)); t < Date.parse(to); t += DAY) days.push(new Date(t).toISOString().slice(0, 10))
  return days
}

const short = (day: string) => day.slice(5).replace("-", "/")

const Kpi = (props: { readonly label: string; readonly value: string; readonly note?: string }) => (
  <div class="kpi">
    <p class="kpi-label">{props.label}</p>
    <p class="kpi-value">{props.value}</p>
    {props.note === undefined ? null : <p class="kpi-note">{props.note}</p>}
  </div>
)

const Charts = (props: { readonly report: Report }) => {
  const r = props.report
  const days = daysOf(r.from, r.to)
  const messages = new Map(r.messages_per_day.map((d) => [d.day, d]))
  const usage = new Map(r.llm_usage.map((d) => [d.day, d]))
  return (
    <div class="charts">
      <ColumnChart
        title="Messages per day"
        series={[{ name: "From leads", tone: "s1" }, { name: "Sent (bot and people)", tone: "s2" }]}
        columns={days.map((d) => ({ label: short(d), values: [messages.get(d)?.inbound ?? 0, messages.get(d)?.outbound ?? 0] }))}
      />
      <BarList title="Turns by action" items={r.turns_by_action.map((t) => ({ label: actionLabel[t.action], value: t.count }))} />
      <BarList
        title="Handoff reasons"
        items={r.handoff.reasons.map((h) => ({ label: reasonLabel(h.reason), value: h.count }))}
        empty="No handoffs in this period."
      />
      <BarList title="Stage funnel (conversations by stage)" items={r.funnel.map((f) => ({ label: stageLabel[f.stage], value: f.count }))} />
      <ColumnChart
        title="Estimated LLM cost per day (USD)"
        series={[{ name: "Cost", tone: "s1" }]}
        columns={days.map((d) => ({ label: short(d), values: [usage.get(d)?.estimated_cost_usd ?? 0] }))}
        format={usd}
      />
    </div>
  )
}

export const Analytics = () => {
  const [days, setDays] = useState<(typeof PERIODS)[number]>(30)
  const [report, setReport] = useState<Report | null>(null)
  const [stats, setStats] = useState<DashboardStats | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    let live = true
    setError(null)
    const to = new Date()
    const from = new Date(Date.UTC(to.getUTCFullYear(), to.getUTCMonth(), to.getUTCDate()) - (days - 1) * DAY)
    Promise.all([
      rpc((r) => r["analytics.get"]({ from: from.toISOString(), to: to.toISOString() })),
      rpc((r) => r["dashboard.stats"]())
    ]).then(
      ([a, s]) => {
        if (!live) return
        setReport(a)
        setStats(s)
      },
      (e: unknown) => live && setError(e instanceof Error ? e.message : String(e))
    )
    return () => {
      live = false
    }
  }, [days])
  const tokens = report?.llm_usage.reduce((n, d) => n + d.tokens_in + d.tokens_out, 0) ?? 0
  const cost = report?.llm_usage.reduce((n, d) => n + d.estimated_cost_usd, 0) ?? 0
  return (
    <main id="main" class="page analytics">
      <div class="page-head">
        <h1>Analytics</h1>
        <Field label="Period">
          {(id) => (
            <select id={id} value={days} onChange={(e) => setDays(PERIODS.find((p) => String(p) === e.currentTarget.value) ?? 30)}>
              {PERIODS.map((p) => <option key={p} value={p}>Last {p} days</option>)}
            </select>
          )}
        </Field>
      </div>
      <ErrorText error={error} />
      {report === null || stats === null ? <p class="muted" role="status">Loading…</p> : (
        <>
          <section class="kpis" aria-label="Key numbers">
            <Kpi label="Conversations" value={String(report.handoff.conversations)} note={`${stats.active_conversations} active today`} />
            <Kpi label="Handed to a person" value={percent(report.handoff.rate)} note={`${report.handoff.handed_off} conversations`} />
            <Kpi label="Median first response" value={seconds(report.median_first_response_seconds)} />
            <Kpi label="Follow-ups sent" value={String(report.followups.sent)} note={`${report.followups.answered} answered, ${report.followups.cancelled} cancelled`} />
            <Kpi label="LLM usage" value={usd(cost)} note={`${tokens.toLocaleString()} tokens`} />
            <Kpi label="Today" value={`${stats.messages_in} in / ${stats.messages_out} out`} note={`${stats.pending_followups} follow-ups pending`} />
          </section>
          <Charts report={report} />
        </>
      )}
    </main>
  )
}
