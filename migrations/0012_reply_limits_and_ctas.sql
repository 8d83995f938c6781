-- Per business: how long a reply may be and how many questions it may ask (the seed's max_words
-- and questions_per_message), and the calls to action the assistant may offer (Decide picks one;
-- the conversation keeps the key it was offered in recommended_cta).
ALTER TABLE business_profiles
  ADD COLUMN max_words integer NOT NULL DEFAULT 80 CHECK (max_words BETWEEN 20 AND 300),
  ADD COLUMN max_questions integer NOT NULL DEFAULT 1 CHECK (max_questions BETWEEN 0 AND 3),
  ADD COLUMN ctas jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(ctas) = 'array');
