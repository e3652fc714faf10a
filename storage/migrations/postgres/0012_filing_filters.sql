-- What a subtree query tests of each filing, in the filing's indexes: as
-- migrations/sqlite/0011_filing_filters.sql (issue #16; see folderPath in
-- storage/query_paths.go). listed_type is the child's type when the child
-- is what a query lists (neither a private working copy nor an older
-- version), else NULL; multi whether the child has other filings.
ALTER TABLE containment ADD COLUMN listed_type TEXT COLLATE "C";
ALTER TABLE containment ADD COLUMN multi SMALLINT NOT NULL DEFAULT 0;

-- Written by rewriting containment whole (ALTER COLUMN … USING) in the
-- order its rows are stored, not by an UPDATE of every row, which would
-- scatter a folder's filings and leave half the table dead (as in
-- migration 10). The filings' indexes that change are built after it.
DROP INDEX containment_acl;
DROP INDEX containment_name;
DROP INDEX containment_created;
DROP INDEX containment_modified;
CREATE TEMPORARY TABLE multi_filed ON COMMIT DROP AS SELECT child_id FROM containment GROUP BY child_id HAVING COUNT(*) > 1;
ALTER TABLE multi_filed ADD PRIMARY KEY (child_id);
ANALYZE multi_filed;
CREATE FUNCTION pg_temp.listed_type_of(id TEXT) RETURNS TEXT LANGUAGE sql STABLE AS $$ SELECT CASE WHEN COALESCE(o.is_pwc, 0) = 0 AND COALESCE(o.is_latest_version, 1) = 1 THEN o.type_id END FROM objects o WHERE o.id = $1 $$;
CREATE FUNCTION pg_temp.multi_of(id TEXT) RETURNS SMALLINT LANGUAGE sql STABLE AS $$ SELECT CASE WHEN EXISTS (SELECT 1 FROM multi_filed m WHERE m.child_id = $1) THEN 1 ELSE 0 END::SMALLINT $$;
ALTER TABLE containment ALTER COLUMN listed_type TYPE TEXT COLLATE "C" USING pg_temp.listed_type_of(child_id),
    ALTER COLUMN multi TYPE SMALLINT USING pg_temp.multi_of(child_id);
DROP FUNCTION pg_temp.listed_type_of(TEXT);
DROP FUNCTION pg_temp.multi_of(TEXT);

-- A filing inserted with its child's dates (a create: storage.DB.fileNew)
-- carries all of these already, as on SQLite. Any other new or moved
-- filing takes its child's; the rows of a statement see
-- those it changed before them (a row-level BEFORE trigger), so a bulk
-- load's second filing of a child knows of its first. (A statement of a
-- function or trigger ends inside a line: the migrations split at a
-- semicolon that ends one.)
CREATE OR REPLACE FUNCTION containment_dates() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    IF TG_OP = 'INSERT' AND NEW.creation_date IS NOT NULL THEN RETURN NEW; END IF
    ; SELECT o.creation_date, o.last_modification_date, o.acl_id,
        CASE WHEN COALESCE(o.is_pwc, 0) = 0 AND COALESCE(o.is_latest_version, 1) = 1 THEN o.type_id END
        INTO NEW.creation_date, NEW.last_modification_date, NEW.acl_id, NEW.listed_type FROM objects o WHERE o.id = NEW.child_id
    ; NEW.multi := CASE WHEN EXISTS (SELECT 1 FROM containment d WHERE d.child_id = NEW.child_id AND d.parent_id <> NEW.parent_id) THEN 1 ELSE 0 END
    ; RETURN NEW; END $$;

-- The child's other filings learn that it has several.
CREATE FUNCTION containment_multi_filed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    UPDATE containment SET multi = 1 WHERE child_id = NEW.child_id AND parent_id <> NEW.parent_id AND multi = 0
    ; RETURN NULL; END $$;
CREATE TRIGGER containment_multi_filed AFTER INSERT OR UPDATE OF child_id ON containment
    FOR EACH ROW WHEN (NEW.multi = 1) EXECUTE FUNCTION containment_multi_filed();

-- The last filing left of a child is its only one.
CREATE FUNCTION containment_multi_unfiled() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    UPDATE containment SET multi = 0 WHERE child_id = OLD.child_id AND multi = 1
        AND (SELECT COUNT(*) FROM containment d WHERE d.child_id = OLD.child_id) = 1
    ; RETURN NULL; END $$;
CREATE TRIGGER containment_multi_unfiled AFTER DELETE ON containment
    FOR EACH ROW WHEN (OLD.multi = 1) EXECUTE FUNCTION containment_multi_unfiled();
CREATE TRIGGER containment_multi_refiled AFTER UPDATE OF child_id ON containment
    FOR EACH ROW WHEN (OLD.multi = 1 AND OLD.child_id IS DISTINCT FROM NEW.child_id) EXECUTE FUNCTION containment_multi_unfiled();

-- A check-in, a check-out or a new latest version changes what is listed.
CREATE FUNCTION objects_listed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    UPDATE containment SET listed_type = CASE WHEN COALESCE(NEW.is_pwc, 0) = 0 AND COALESCE(NEW.is_latest_version, 1) = 1 THEN NEW.type_id END
        WHERE child_id = NEW.id
    ; RETURN NULL; END $$;
CREATE TRIGGER objects_listed AFTER UPDATE OF type_id, is_pwc, is_latest_version ON objects
    FOR EACH ROW WHEN ((CASE WHEN COALESCE(OLD.is_pwc, 0) = 0 AND COALESCE(OLD.is_latest_version, 1) = 1 THEN OLD.type_id END)
        IS DISTINCT FROM (CASE WHEN COALESCE(NEW.is_pwc, 0) = 0 AND COALESCE(NEW.is_latest_version, 1) = 1 THEN NEW.type_id END))
    EXECUTE FUNCTION objects_listed();

-- The filings' orders, with what a query tests of each row: a subtree's
-- page skips rows without leaving the index.
CREATE INDEX containment_acl ON containment (parent_id, child_id) INCLUDE (acl_id, listed_type, multi);
CREATE INDEX containment_name ON containment (parent_id, name, child_id) INCLUDE (acl_id, listed_type, multi);
CREATE INDEX containment_created ON containment (parent_id, creation_date, child_id) INCLUDE (acl_id, listed_type, multi);
CREATE INDEX containment_modified ON containment (parent_id, last_modification_date, child_id) INCLUDE (acl_id, listed_type, multi);
-- The planner's statistics of the new columns (the rewrite keeps none).
ANALYZE containment;
-- The rewritten table's visibility map, after the migration commits (as
-- in migration 10): until it is set the planner prices the filings'
-- index-only scans as index scans.
VACUUM containment;
