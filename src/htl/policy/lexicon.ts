/**
 * Words that name their language even alone: greetings, thanks and chat abbreviations that
 * belong to one language only ("gracias", "obg", "makasih", "danke", "stp"). Statistical
 * detectors cannot tell a one-word message; these words can. Words shared by two candidate
 * languages ("si", "que", "per", "ya") are left out on purpose.
 */

const WORDS: Readonly<Record<string, string>> = {
  en: "thanks thank thx ty please pls yes yeah yep nope what whats what's how much price the is are you your can could would want need have has does with for this that there where when which who it's i'm u ur wanna gonna my we our it of and or at be not just know get got like will send",
  es: "hola gracias buenas buenos días quiero cuánto cuanto cuesta cuestan tienen tenéis teneis podéis podeis puedo necesito también tambien estoy dale porfa xq sí qué cómo dónde donde cuándo cuando hay muchas muchos ustedes usted señor bueno listo perfecto",
  pt: "oi olá obrigado obrigada obg vc você voce vocês voces tá não nao sim bom boa custa mensalidade tem muito também tambem blz kkkk kkk então entao né fazer agora quero queria gostaria valeu beleza tudo onde pra novo isso esse essa mais qual ainda",
  fr: "bonjour bonsoir merci salut slt bjr stp svp oui je vous est c'est combien pour avec pas ça quel quelle quels dispo aussi très votre nous mais peut peux faut jsp cc coucou",
  de: "hallo danke moin bitte ich ist und nicht gibt wie viel kostet kosten hab habe haben wir mit für auch einen eine der das lg vg servus tschüss genau gerne gern kann könnt ihr euch mir mich noch schon",
  it: "ciao grazie buongiorno buonasera vorrei sono è costa costano che anche perché perche cmq nn xché xche piu più avete fate c'è gli della delle sì abbiamo possiamo vostro",
  ms: "awak nak tempahan ialah percuma sahaja tarikh kedai hendak betul kereta",
  id: "halo kak gan terima kasih makasih mksh brp berapa ada ga gak gk nggak tidak yg yang bgt banget udah udh sudah bisa aku saya kamu untuk dengan ini itu apa wkwk dong sih nih deh kapan gimana bagaimana boleh tolong harga kelas"
}

const INDEX: ReadonlyMap<string, ReadonlyArray<string>> = (() => {
  const index = new Map<string, Array<string>>()
  for (const [lang, words] of Object.entries(WORDS)) {
    for (const w of words.split(" ")) index.set(w, [...(index.get(w) ?? []), lang])
  }
  return index
})()

const tokens = (text: string) => text.toLowerCase().split(/[^\p{L}\p{M}'’]+/u).filter((t) => t !== "").map((t) => t.replace(/’/g, "'"))

/** Distinctive chat words per candidate language (a word listed for two candidates counts for neither). */
export const chatWordVotes = (text: string, candidates: ReadonlyArray<string>): ReadonlyMap<string, number> => {
  const votes = new Map<string, number>()
  for (const t of tokens(text)) {
    const langs = (INDEX.get(t) ?? []).filter((l) => candidates.includes(l))
    const [only] = langs
    if (langs.length === 1 && only !== undefined) votes.set(only, (votes.get(only) ?? 0) + 1)
  }
  return votes
}

/** Romanised Hindi that no other language writes. */
const HINGLISH_STRONG = new Set(
  ("kya kyaa nahi nahin nhi aap aapka aapki aapke apka apki apke mujhe muje humein humko kitna kitni kitne chahiye chaiye " +
    "karna karni karein karen kijiye kariye krna hoga hogi honge tha thi ji accha acha achha theek thik bhai bhaiya bhaiyya yaar " +
    "matlab abhi meri mere tera apna apni kaise kaisa kab kahan kyun kyu wala wali wale liye lekin aur bata batao bataiye " +
    "dijiye milega milegi milenge sakta sakte sakti raha rahe rahi hoon hun bolo boliye haan kal kuch koi sab bahut bohot " +
    "jaldi baad pehle dekh dekho chalega thoda zyada jyada samajh karwa karwana aata aati aate jata jati jate jaata jaati " +
    "karta karti karte rahega rahegi rahenge chahte chahti chahta pata hoon hu dena lena dedo bhejo bhej bhejiye " +
    "bataye batayenge batana samjha samjhe padhai beti bachcha bachche ghar paisa paise kar karo diya diye jayega jayegi " +
    "toh yahin yahan wahan thodi thoda").split(" ")
)
/** Shared with other languages ("hai" is Italian too, "me" Spanish): they only back strong words up. */
const HINGLISH_WEAK = new Set("hai hain h ho bhi se ko ka ki ke me mein pe par to hum mera na sir mam madam ok".split(" "))

/** Evidence of Hinglish: 1 per distinctive word, ½ per shared one once a distinctive word is there. */
export const hinglishScore = (text: string): number => {
  let strong = 0
  let weak = 0
  for (const t of tokens(text)) {
    if (HINGLISH_STRONG.has(t)) strong++
    else if (HINGLISH_WEAK.has(t)) weak++
  }
  return strong === 0 ? 0 : strong + weak / 2
}
