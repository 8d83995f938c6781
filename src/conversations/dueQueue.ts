/**
 * Claimed follow-ups held in memory until their due time: a binary min-heap on the due time, so
 * the scheduler's dispatcher takes what is due without a query and sleeps to the next one.
 */
import type { Claimed } from "../records/followUpStore.ts"

export interface DueQueue {
  readonly size: () => number
  /** The earliest due time held (epoch ms). */
  readonly nextDue: () => number | undefined
  readonly push: (rows: ReadonlyArray<Claimed>) => void
  /** Removes and returns every row due at `now` (epoch ms) or before, earliest first. */
  readonly takeDue: (now: number) => Array<Claimed>
  /** Removes and returns everything held. */
  readonly drain: () => Array<Claimed>
}

export const makeDueQueue = (): DueQueue => {
  const heap: Array<{ readonly due: number; readonly row: Claimed }> = []
  const dueAt = (i: number) => heap[i]?.due ?? Infinity
  const swap = (i: number, j: number) => {
    const a = heap[i]
    const b = heap[j]
    if (a === undefined || b === undefined) return
    heap[i] = b
    heap[j] = a
  }
  const up = (start: number) => {
    let i = start
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (dueAt(parent) <= dueAt(i)) return
      swap(i, parent)
      i = parent
    }
  }
  const down = (start: number) => {
    let i = start
    while (true) {
      const left = 2 * i + 1
      const right = left + 1
      // past the end, dueAt is Infinity
      let smallest = dueAt(left) < dueAt(i) ? left : i
      if (dueAt(right) < dueAt(smallest)) smallest = right
      if (smallest === i) return
      swap(i, smallest)
      i = smallest
    }
  }
  const pop = () => {
    const top = heap[0]
    const last = heap.pop()
    if (heap.length > 0 && last !== undefined) {
      heap[0] = last
      down(0)
    }
    return top?.row
  }
  return {
    size: () => heap.length,
    nextDue: () => heap[0]?.due,
    push: (rows) => {
      for (const row of rows) {
        heap.push({ due: row.scheduledAt.getTime(), row })
        up(heap.length - 1)
      }
    },
    takeDue: (now) => {
      const out: Array<Claimed> = []
      while (dueAt(0) <= now) {
        const row = pop()
        if (row !== undefined) out.push(row)
      }
      return out
    },
    drain: () => heap.splice(0).map((h) => h.row)
  }
}
