-- What a text query tests of each match, in the match's own row (issue
-- #16; see textSource in storage/postgres_fulltext.go): the object's
-- repository, its ACL id, and its listed type (as containment's, migration
-- 12: the type when the object is what a query lists, neither a private
-- working copy nor an older version, else NULL). A page of a common word
-- then reads the matches the GIN index finds in the order of the table's
-- rows, skipping those the reader may not see or the query does not list
-- without a lookup of each one's object.
ALTER TABLE fulltext ADD COLUMN repository_id TEXT COLLATE "C";
ALTER TABLE fulltext ADD COLUMN acl_id BIGINT;
ALTER TABLE fulltext ADD COLUMN listed_type TEXT COLLATE "C";

-- Written by rewriting fulltext whole (ALTER COLUMN … USING), not by an
-- UPDATE of every row, which would write each row twice and add every
-- row's lexemes to the GIN indexes again (as in migration 12). The
-- rewrite rebuilds the indexes.
CREATE FUNCTION pg_temp.repository_of(id TEXT) RETURNS TEXT LANGUAGE sql STABLE AS $$ SELECT o.repository_id FROM objects o WHERE o.id = $1 $$;
CREATE FUNCTION pg_temp.acl_id_of(id TEXT) RETURNS BIGINT LANGUAGE sql STABLE AS $$ SELECT o.acl_id FROM objects o WHERE o.id = $1 $$;
CREATE FUNCTION pg_temp.listed_type_of(id TEXT) RETURNS TEXT LANGUAGE sql STABLE AS $$ SELECT CASE WHEN COALESCE(o.is_pwc, 0) = 0 AND COALESCE(o.is_latest_version, 1) = 1 THEN o.type_id END FROM objects o WHERE o.id = $1 $$;
ALTER TABLE fulltext ALTER COLUMN repository_id TYPE TEXT COLLATE "C" USING pg_temp.repository_of(object_id),
    ALTER COLUMN acl_id TYPE BIGINT USING pg_temp.acl_id_of(object_id),
    ALTER COLUMN listed_type TYPE TEXT COLLATE "C" USING pg_temp.listed_type_of(object_id);
DROP FUNCTION pg_temp.repository_of(TEXT);
DROP FUNCTION pg_temp.acl_id_of(TEXT);
DROP FUNCTION pg_temp.listed_type_of(TEXT);

-- A new row takes its object's (the object is written before its text);
-- the function serves any table whose object_id names the row's object.
-- A statement of a function or trigger ends inside a line: the migrations
-- split at a semicolon that ends one.
CREATE FUNCTION object_filters() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    SELECT o.repository_id, o.acl_id, CASE WHEN COALESCE(o.is_pwc, 0) = 0 AND COALESCE(o.is_latest_version, 1) = 1 THEN o.type_id END
        INTO NEW.repository_id, NEW.acl_id, NEW.listed_type FROM objects o WHERE o.id = NEW.object_id
    ; RETURN NEW; END $$;
CREATE TRIGGER fulltext_filters BEFORE INSERT ON fulltext FOR EACH ROW EXECUTE FUNCTION object_filters();

-- An object's new ACL id, and what a check-in, a check-out or a new latest
-- version changes of what is listed, reach its text row as they reach its
-- filings (migrations 10 and 12).
CREATE OR REPLACE FUNCTION objects_acl() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    UPDATE containment SET acl_id = NEW.acl_id WHERE child_id = NEW.id
    ; UPDATE fulltext SET acl_id = NEW.acl_id WHERE object_id = NEW.id
    ; RETURN NULL; END $$;
CREATE OR REPLACE FUNCTION objects_listed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    UPDATE containment SET listed_type = CASE WHEN COALESCE(NEW.is_pwc, 0) = 0 AND COALESCE(NEW.is_latest_version, 1) = 1 THEN NEW.type_id END
        WHERE child_id = NEW.id
    ; UPDATE fulltext SET listed_type = CASE WHEN COALESCE(NEW.is_pwc, 0) = 0 AND COALESCE(NEW.is_latest_version, 1) = 1 THEN NEW.type_id END
        WHERE object_id = NEW.id
    ; RETURN NULL; END $$;

-- The planner's statistics of the new columns (the rewrite keeps none).
ANALYZE fulltext;
-- The rewritten table's visibility map, after the migration commits.
VACUUM fulltext;
