-- What a text query tests of each match, next to the match (issue #16;
-- as PostgreSQL's migration 13): the object's repository, ACL id and
-- listed type (containment's, migration 11), in fulltext_rows, the table
-- that keys each FTS5 row by its rowid. A page of a common word skips
-- the matches the reader may not see or the query does not list by a
-- lookup of their rowid, not of their object by id (three B-tree
-- descents). fulltext_rows is made at start-up with the FTS5 table
-- (ensureFullText, builds with FTS5); made here too, it is there in every
-- build and ensureFullText finds it.
CREATE TABLE IF NOT EXISTS fulltext_rows (rowid INTEGER PRIMARY KEY, object_id TEXT NOT NULL UNIQUE);
ALTER TABLE fulltext_rows ADD COLUMN repository_id TEXT;
ALTER TABLE fulltext_rows ADD COLUMN acl_id INTEGER;
ALTER TABLE fulltext_rows ADD COLUMN listed_type TEXT;
UPDATE fulltext_rows SET (repository_id, acl_id, listed_type) = (SELECT o.repository_id, o.acl_id,
    CASE WHEN COALESCE(o.is_pwc, 0) = 0 AND COALESCE(o.is_latest_version, 1) = 1 THEN o.type_id END FROM objects o WHERE o.id = fulltext_rows.object_id);

-- A new row takes its object's (the object is written before its text).
CREATE TRIGGER fulltext_rows_added AFTER INSERT ON fulltext_rows BEGIN
    UPDATE fulltext_rows SET (repository_id, acl_id, listed_type) = (SELECT o.repository_id, o.acl_id,
        CASE WHEN COALESCE(o.is_pwc, 0) = 0 AND COALESCE(o.is_latest_version, 1) = 1 THEN o.type_id END FROM objects o WHERE o.id = NEW.object_id)
        WHERE rowid = NEW.rowid
    ; END;
-- An object's new ACL id and listed type reach its text row as they reach
-- its filings (migrations 9 and 11).
CREATE TRIGGER objects_acl_text AFTER UPDATE OF acl_id ON objects WHEN OLD.acl_id IS NOT NEW.acl_id BEGIN
    UPDATE fulltext_rows SET acl_id = NEW.acl_id WHERE object_id = NEW.id
    ; END;
CREATE TRIGGER objects_listed_text AFTER UPDATE OF type_id, is_pwc, is_latest_version ON objects
    WHEN (CASE WHEN COALESCE(OLD.is_pwc, 0) = 0 AND COALESCE(OLD.is_latest_version, 1) = 1 THEN OLD.type_id END)
        IS NOT (CASE WHEN COALESCE(NEW.is_pwc, 0) = 0 AND COALESCE(NEW.is_latest_version, 1) = 1 THEN NEW.type_id END)
BEGIN
    UPDATE fulltext_rows SET listed_type = CASE WHEN COALESCE(NEW.is_pwc, 0) = 0 AND COALESCE(NEW.is_latest_version, 1) = 1 THEN NEW.type_id END
        WHERE object_id = NEW.id
    ; END;
