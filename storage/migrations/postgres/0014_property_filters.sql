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

-- An object's new ACL id reaches its filings, its text row and its
-- property rows in the statement that sets it, for every object that
-- statement changed at once: a row trigger on objects (migrations 10 and
-- 13) updated them object by object, three statements per object of a
-- subtree an ACL is propagated to (20,000 documents: 7 s of 10). Nothing
-- else sets an object's ACL id after its insert: acl_ids_set is what the
-- ACEs' triggers call (migration 10).
DROP TRIGGER objects_acl ON objects;
DROP FUNCTION objects_acl();
-- The objects' ACEs are found by a join with the ids, not a test of
-- each entry against the array ("ids IS NULL OR … = ANY (ids)" reads
-- every entry, an array of 10,000 ids made that seconds per statement).
CREATE OR REPLACE FUNCTION acl_keys(ids TEXT[]) RETURNS TABLE (object_id TEXT, readers TEXT) LANGUAGE sql STABLE AS $$
    SELECT e.object_id, string_agg(length(e.principal_id) || ':' || e.principal_id, '' ORDER BY e.principal_id)
    FROM (SELECT a.object_id, a.principal_id FROM acl_entries a WHERE ids IS NULL
        UNION SELECT a.object_id, a.principal_id FROM unnest(ids) u (id) JOIN acl_entries a ON a.object_id = u.id) e
    GROUP BY e.object_id $$;
CREATE OR REPLACE FUNCTION acl_ids_set(ids TEXT[]) RETURNS void LANGUAGE plpgsql AS $$ BEGIN
    INSERT INTO acls (readers) SELECT DISTINCT k.readers FROM acl_keys(ids) k ORDER BY k.readers ON CONFLICT (readers) DO NOTHING
    ; WITH set AS (UPDATE objects o SET acl_id = a.id FROM acl_keys(ids) k JOIN acls a ON a.readers = k.readers
            WHERE o.id = k.object_id AND o.acl_id IS DISTINCT FROM a.id RETURNING o.id, o.acl_id),
        cleared AS (UPDATE objects o SET acl_id = NULL FROM unnest(ids) u (id) WHERE o.id = u.id AND o.acl_id IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM acl_entries e WHERE e.object_id = o.id) RETURNING o.id, CAST(NULL AS BIGINT) AS acl_id),
        changed AS (SELECT id, acl_id FROM set UNION ALL SELECT id, acl_id FROM cleared),
        filings AS (UPDATE containment c SET acl_id = ch.acl_id FROM changed ch WHERE c.child_id = ch.id),
        texts AS (UPDATE fulltext f SET acl_id = ch.acl_id FROM changed ch WHERE f.object_id = ch.id)
    UPDATE object_properties p SET acl_id = ch.acl_id FROM changed ch WHERE p.object_id = ch.id
    ; INSERT INTO acl_readers (principal_id, acl_id)
        SELECT e.principal_id, o.acl_id FROM objects o JOIN acl_entries e ON e.object_id = o.id WHERE ids IS NULL AND o.acl_id IS NOT NULL
        UNION SELECT e.principal_id, o.acl_id FROM unnest(ids) u (id) JOIN objects o ON o.id = u.id JOIN acl_entries e ON e.object_id = o.id
            WHERE o.acl_id IS NOT NULL
        ON CONFLICT DO NOTHING
    ; END $$;

-- An object's new listed type reaches its rows as its filings'.
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
