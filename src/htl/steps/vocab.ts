/** Enum drift tables: what models say instead of our enum values, mapped to the nearest one. */
import type { EnumField } from "../../llm/normalize.ts"
import { Action } from "../../domain/enums.ts"
import { IntentLevels, Sentiments, Stages } from "../../domain/enums.ts"

export const stageField: EnumField = {
  allowed: Stages,
  synonyms: {
    intro: "greeting", introduction: "greeting", hello: "greeting", welcome: "greeting", opening: "greeting",
    qualifying: "qualification", discovery: "qualification", needs: "qualification", needs_assessment: "qualification",
    price: "pricing", prices: "pricing", quote: "pricing", negotiation: "pricing", pricing_discussion: "pricing",
    closing: "cta", call_to_action: "cta", demo: "cta", purchase: "cta", booking: "cta",
    won: "closed", lost: "closed", done: "closed", converted: "closed", close: "closed"
  }
}

export const intentField: EnumField = {
  allowed: IntentLevels,
  synonyms: {
    none: "low", cold: "low", very_low: "low", moderate: "medium", warm: "medium", medium_high: "high",
    hot: "very_high", veryhigh: "very_high", very_hot: "very_high", unclear: "unknown"
  },
  fallback: "unknown"
}

export const sentimentField: EnumField = {
  allowed: Sentiments,
  synonyms: {
    curious: "positive", interested: "positive", excited: "positive", happy: "positive", satisfied: "positive",
    enthusiastic: "positive", eager: "positive", grateful: "positive", friendly: "positive",
    calm: "neutral", indifferent: "neutral", neutral_positive: "neutral",
    unsure: "hesitant", uncertain: "hesitant", skeptical: "hesitant", sceptical: "hesitant", doubtful: "hesitant",
    cautious: "hesitant", worried: "hesitant", concerned: "hesitant",
    angry: "negative", annoyed: "negative", frustrated: "negative", upset: "negative", irritated: "negative",
    dissatisfied: "negative", hostile: "negative",
    lost: "confused", unclear: "confused", puzzled: "confused", perplexed: "confused"
  },
  fallback: "neutral"
}

export const riskField: EnumField = {
  allowed: ["low", "medium", "high"],
  synonyms: { none: "low", minimal: "low", very_low: "low", moderate: "medium", elevated: "medium", severe: "high", critical: "high", very_high: "high" }
}

export const actionField: EnumField = {
  allowed: Action.literals,
  synonyms: {
    send: "SEND_NOW", reply: "SEND_NOW", respond: "SEND_NOW", send_message: "SEND_NOW", answer: "SEND_NOW",
    wait: "WAIT_SCHEDULE", schedule: "WAIT_SCHEDULE", follow_up: "WAIT_SCHEDULE", followup: "WAIT_SCHEDULE", wait_and_schedule: "WAIT_SCHEDULE",
    handoff: "HANDOFF_HUMAN", hand_off: "HANDOFF_HUMAN", human: "HANDOFF_HUMAN", escalate: "HANDOFF_HUMAN", transfer: "HANDOFF_HUMAN", handoff_to_human: "HANDOFF_HUMAN"
  }
}

export const escalationField: EnumField = {
  allowed: ["none", "negotiation", "discount_request", "contract", "custom_terms", "complaint", "legal_or_medical"],
  synonyms: {
    no: "none", null: "none", false: "none", nothing: "none",
    price_negotiation: "negotiation", bargaining: "negotiation", haggling: "negotiation",
    discount: "discount_request", custom_price: "discount_request", special_price: "discount_request",
    contracts: "contract", legal_contract: "contract", custom_terms_request: "custom_terms", custom_contract: "custom_terms",
    refund: "complaint", refund_request: "complaint", billing_dispute: "complaint", complaints: "complaint",
    legal: "legal_or_medical", medical: "legal_or_medical", health: "legal_or_medical"
  },
  fallback: "none"
}
