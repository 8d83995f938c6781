-- The dashboard's search (the conversation list's `search`: a lead's name, phone or WhatsApp
-- number; the lead list's: name, phone or e-mail) is a substring match, `ILIKE '%…%'`, which no
-- b-tree serves: a search that matches few leads read all of the organization's. At 200,000 leads
-- 50–57 ms a search (a parallel scan on three processes), ten times that at ten times the leads.
-- A trigram index finds the candidates: 0.3–2.4 ms for the same searches (README finding (26)).
-- The organization is the index's first column (btree_gin), so a search reads its own
-- organization's entries, not every tenant's. Searches of one or two characters have no trigram
-- and still scan, as before. fastupdate off: each insert updates the index at once (≈ 0.1 ms a
-- new lead) instead of a pending list that some later insert — a batch of webhook messages —
-- would have to merge, megabytes at a time. pg_trgm and btree_gin are trusted extensions (PostgreSQL
-- 13+): the database's owner may create them, on Amazon RDS too.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gin;
CREATE INDEX leads_search ON leads USING gin
  (organization_id, name gin_trgm_ops, phone gin_trgm_ops, wa_id gin_trgm_ops, email gin_trgm_ops)
  WITH (fastupdate = off);
