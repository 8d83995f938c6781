/** Estimated LLM prices in USD per million tokens (input, output); unknown models use the default. */
export const DEFAULT_PRICE = { input: 0.59, output: 0.79 } // Groq llama-3.3-70b-versatile

export const MODEL_PRICES: Readonly<Record<string, { readonly input: number; readonly output: number }>> = {
  "llama-3.3-70b-versatile": DEFAULT_PRICE,
  "llama-3.1-8b-instant": { input: 0.05, output: 0.08 },
  "gpt-4o-mini": { input: 0.15, output: 0.6 },
  "gpt-4o": { input: 2.5, output: 10 }
}

export const estimateCost = (model: string | null, tokensIn: number, tokensOut: number) => {
  const price = (model === null ? undefined : MODEL_PRICES[model]) ?? DEFAULT_PRICE
  return (tokensIn * price.input + tokensOut * price.output) / 1_000_000
}

/** Rounded to micro-dollars so sums are stable in JSON. */
export const roundUsd = (usd: number) => Math.round(usd * 1_000_000) / 1_000_000
