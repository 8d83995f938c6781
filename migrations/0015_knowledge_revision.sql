-- An organization's knowledge revision: a number that changes with every write to its business
-- profile, products or FAQs (statement triggers below). A turn reads it with its snapshot, in the
-- same statement, and takes the profile it read before from memory while the revision is the same
-- (src/knowledge/Knowledge.ts): no read of the profile, its prices and items per turn, and never
-- a stale one — whoever wrote (the dashboard, an import, plain SQL).
ALTER TABLE organizations ADD COLUMN knowledge_revision integer NOT NULL DEFAULT 0;

CREATE FUNCTION bump_knowledge_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    UPDATE organizations SET knowledge_revision = knowledge_revision + 1;
  ELSIF TG_OP = 'INSERT' THEN
    UPDATE organizations SET knowledge_revision = knowledge_revision + 1
      WHERE id IN (SELECT organization_id FROM new_rows);
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE organizations SET knowledge_revision = knowledge_revision + 1
      WHERE id IN (SELECT organization_id FROM old_rows);
  ELSE
    UPDATE organizations SET knowledge_revision = knowledge_revision + 1
      WHERE id IN (SELECT organization_id FROM new_rows UNION SELECT organization_id FROM old_rows);
  END IF;
  RETURN NULL;
END;
$$;

-- the same four triggers on each table of an organization's knowledge
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['business_profiles', 'business_products', 'business_faqs'] LOOP
    EXECUTE format('CREATE TRIGGER knowledge_revision_insert AFTER INSERT ON %I
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION bump_knowledge_revision()', t);
    EXECUTE format('CREATE TRIGGER knowledge_revision_update AFTER UPDATE ON %I
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION bump_knowledge_revision()', t);
    EXECUTE format('CREATE TRIGGER knowledge_revision_delete AFTER DELETE ON %I
      REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION bump_knowledge_revision()', t);
    EXECUTE format('CREATE TRIGGER knowledge_revision_truncate AFTER TRUNCATE ON %I
      FOR EACH STATEMENT EXECUTE FUNCTION bump_knowledge_revision()', t);
  END LOOP;
END;
$$;
