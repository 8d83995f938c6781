/** Every SQL result row is decoded with a Schema: `sql`…`.pipe(decodeRows(Row))`, or SqlSchema. */
import { Effect, Schema } from "effect"

/** Decodes result rows with `schema`; a row that does not match is a bug (defect). */
export const decodeRows = <S extends Schema.Codec<unknown, unknown>>(schema: S) => {
  const decode = Schema.decodeUnknownEffect(Schema.Array(schema))
  return <E, R>(query: Effect.Effect<ReadonlyArray<unknown>, E, R>) =>
    Effect.flatMap(query, (rows) => Effect.orDie(decode(rows)))
}
