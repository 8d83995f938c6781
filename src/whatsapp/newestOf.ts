interface NewRow {
  readonly org: string
  readonly conversation_id: string
  readonly content: string
  readonly ts: string
  readonly is_turn: boolean
}

/**
 * An inbound batch's newest new message in each conversation (the latest timestamp; of equal
 * ones, the later in the batch) and its newest turn message's time: one row per conversation, so
 * the batch's update of its conversations (src/whatsapp/InboundBatch.ts) is sent each
 * conversation's last text once, not every message's. `ts`: ISO strings (they sort as they compare).
 */
export const newestOf = (fresh: ReadonlyArray<NewRow>) => {
  const newest = new Map<string, { conversation_id: string; org: string; content: string; ts: string; turn_ts: string | null }>()
  for (const r of fresh) {
    const seen = newest.get(r.conversation_id)
    const turnTs = r.is_turn ? r.ts : null
    if (seen === undefined) {
      newest.set(r.conversation_id, { conversation_id: r.conversation_id, org: r.org, content: r.content, ts: r.ts, turn_ts: turnTs })
      continue
    }
    if (r.ts >= seen.ts) [seen.content, seen.ts] = [r.content, r.ts]
    if (turnTs !== null && (seen.turn_ts === null || turnTs > seen.turn_ts)) seen.turn_ts = turnTs
  }
  return [...newest.values()]
}
