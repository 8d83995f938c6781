/**
 * A JSON document as a statement parameter, as text: cast it in the statement
 * (`${jsonDocument(rows)}::jsonb`; a column of type jsonb casts it by itself). Not `pg.json`: that
 * passes the document through the client's name transform (camelCase → snake_case), which renames
 * every key in it, nested ones too — a message's payload would not be stored as WhatsApp sent it —
 * and copies the whole document first (a batch's hundreds of payloads, each delivery's CPU).
 */
export const jsonDocument = (value: unknown): string => JSON.stringify(value)
