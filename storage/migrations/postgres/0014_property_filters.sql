-- What a query driven by a property's value tests of each object, in the
-- object's property rows (issue #16; see propertyPath in
-- storage/query_paths.go): its repository, its ACL id and its listed type,
-- as the text rows carry them (migration 13). A page and the count of an
-- equality read the value's index alone, not each object's row.
ALTER TABLE object_properties ADD COLUMN repository_id TEXT COLLATE "C";
ALTER TABLE object_properties ADD COLUMN acl_id BIGINT;
ALTER TABLE object_properties ADD COLUMN listed_type TEXT COLLATE "C";

-- Written by rewriting the table whole (as in migrations 12 and 13); the
-- value indexes change, so they are dropped first and built after it.
DROP INDEX object_properties_text;
DROP INDEX object_properties_int;
DROP INDEX object_properties_real;
CREATE FUNCTION pg_temp.repository_of(id TEXT) RETURNS TEXT LANGUAGE sql STABLE AS $$ SELECT o.repository_id FROM objects o WHERE o.id = $1 $$;
CREATE FUNCTION pg_temp.acl_id_of(id TEXT) RETURNS BIGINT LANGUAGE sql STABLE AS $$ SELECT o.acl_id FROM objects o WHERE o.id = $1 $$;
CREATE FUNCTION pg_temp.listed_type_of(id TEXT) RETURNS TEXT LANGUAGE sql STABLE AS $$ SELECT CASE WHEN COALESCE(o.is_pwc, 0) = 0 AND COALESCE(o.is_latest_version, 1) = 1 THEN o.type_id END FROM objects o WHERE o.id = $1 $$;
ALTER TABLE object_properties ALTER COLUMN repository_id TYPE TEXT COLLATE "C" USING pg_temp.repository_of(object_id),
    ALTER COLUMN acl_id TYPE BIGINT USING pg_temp.acl_id_of(object_id),
    ALTER COLUMN listed_type TYPE TEXT COLLATE "C" USING pg_temp.listed_type_of(object_id);
DROP FUNCTION pg_temp.repository_of(TEXT);
DROP FUNCTION pg_temp.acl_id_of(TEXT);
DROP FUNCTION pg_temp.listed_type_of(TEXT);

-- A new row takes its object's (the object and its ACL are written before
-- its properties), as a text row does (migration 13).
CREATE TRIGGER object_properties_filters BEFORE INSERT ON object_properties FOR EACH ROW EXECUTE FUNCTION object_filters();

-- An object's new ACL id and listed type reach its property rows as they
-- reach its filings and its text row.
CREATE OR REPLACE FUNCTION objects_acl() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    UPDATE containment SET acl_id = NEW.acl_id WHERE child_id = NEW.id
    ; UPDATE fulltext SET acl_id = NEW.acl_id WHERE object_id = NEW.id
    ; UPDATE object_properties SET acl_id = NEW.acl_id WHERE object_id = NEW.id
    ; RETURN NULL; END $$;
CREATE OR REPLACE FUNCTION objects_listed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    UPDATE containment SET listed_type = CASE WHEN COALESCE(NEW.is_pwc, 0) = 0 AND COALESCE(NEW.is_latest_version, 1) = 1 THEN NEW.type_id END
        WHERE child_id = NEW.id
    ; UPDATE fulltext SET listed_type = CASE WHEN COALESCE(NEW.is_pwc, 0) = 0 AND COALESCE(NEW.is_latest_version, 1) = 1 THEN NEW.type_id END
        WHERE object_id = NEW.id
    ; UPDATE object_properties SET listed_type = CASE WHEN COALESCE(NEW.is_pwc, 0) = 0 AND COALESCE(NEW.is_latest_version, 1) = 1 THEN NEW.type_id END
        WHERE object_id = NEW.id
    ; RETURN NULL; END $$;

-- Each value index holds the rows of its own column only (a comparison
-- with a value is never true of NULL), with what a query tests of each.
CREATE INDEX object_properties_text ON object_properties (property_id, value_text, object_id)
    INCLUDE (acl_id, listed_type, repository_id) WHERE value_text IS NOT NULL;
CREATE INDEX object_properties_int ON object_properties (property_id, value_int, object_id)
    INCLUDE (acl_id, listed_type, repository_id) WHERE value_int IS NOT NULL;
CREATE INDEX object_properties_real ON object_properties (property_id, value_real, object_id)
    INCLUDE (acl_id, listed_type, repository_id) WHERE value_real IS NOT NULL;

-- The planner's statistics of the new columns (the rewrite keeps none).
ANALYZE object_properties;
-- The rewritten table's visibility map, after the migration commits:
-- until it is set the value indexes are not read alone.
VACUUM object_properties;
