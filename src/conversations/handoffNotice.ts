/**
 * What a lead reads when the conversation is handed to a person: one short line in their language,
 * the business's own text when it wrote one for that language (`handoffMessages`), else ours.
 */

export const DEFAULT_HANDOFF_NOTICES: Readonly<Record<string, string>> = {
  en: "Thanks! A colleague from our team will reply here shortly.",
  es: "¡Gracias! Una persona de nuestro equipo te responderá por aquí en breve.",
  pt: "Obrigado! Uma pessoa da nossa equipe vai te responder por aqui em breve.",
  fr: "Merci ! Une personne de notre équipe vous répond ici très bientôt.",
  de: "Danke! Jemand aus unserem Team antwortet Ihnen hier in Kürze.",
  it: "Grazie! Una persona del nostro team ti risponderà qui a breve.",
  id: "Terima kasih! Tim kami akan segera membalas di sini.",
  nl: "Bedankt! Iemand van ons team reageert hier zo snel mogelijk.",
  "hi-Latn": "Thank you! Hamari team ka koi member jaldi yahin reply karega.",
  hi: "धन्यवाद! हमारी टीम का कोई सदस्य जल्द ही यहीं जवाब देगा।",
  ar: "شكرًا! سيرد عليك أحد أعضاء فريقنا هنا قريبًا."
}

export const handoffNotice = (
  language: string,
  custom: Readonly<Record<string, string>>,
  businessLanguages: ReadonlyArray<string>
): string => {
  const home = businessLanguages[0] ?? "en"
  const pick = (lang: string) => {
    const own = custom[lang]?.trim()
    return own !== undefined && own !== "" ? own : DEFAULT_HANDOFF_NOTICES[lang]
  }
  return pick(language) ?? pick(home) ?? DEFAULT_HANDOFF_NOTICES.en ?? ""
}
