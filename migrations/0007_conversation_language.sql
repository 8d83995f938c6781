-- The language a conversation settled on: the lead's language when a turn detected it with
-- confidence ("es", "pt", "hi-Latn"…). A later burst that shows no language ("ok", "👍", an order
-- code) is answered in it instead of the business's first language.
ALTER TABLE conversations ADD COLUMN language text CHECK (language IS NULL OR length(language) BETWEEN 2 AND 16);
