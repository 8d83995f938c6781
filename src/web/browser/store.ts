/** A tiny observable value for UI state, and the hook that re-renders a component when it changes. */
import { useEffect, useReducer } from "preact/hooks"

export interface Store<T> {
  readonly get: () => T
  readonly set: (next: T | ((previous: T) => T)) => void
  readonly subscribe: (listener: () => void) => () => void
}

const isUpdate = <T,>(next: T | ((previous: T) => T)): next is (previous: T) => T => typeof next === "function"

export const store = <T,>(initial: T): Store<T> => {
  let value = initial
  const listeners = new Set<() => void>()
  return {
    get: () => value,
    set: (next) => {
      const updated = isUpdate(next) ? next(value) : next
      if (Object.is(updated, value)) return
      value = updated
      for (const listener of [...listeners]) listener()
    },
    subscribe: (listener) => {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    }
  }
}

export const useStore = <T,>(s: Store<T>): T => {
  const [, rerender] = useReducer((n: number, _: void) => n + 1, 0)
  useEffect(() => s.subscribe(() => rerender()), [s])
  return s.get()
}
