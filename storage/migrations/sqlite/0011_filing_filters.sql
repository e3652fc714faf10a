-- What a subtree query tests of each filing, in the filing's indexes
-- (issue #16; see folderPath in storage/query_paths.go). A page of
-- IN_TREE at skipCount 10,000 tested 10,000 rows it skipped: the type and
-- version of each child (a probe of its object row) and whether it is
-- filed in an earlier folder of the subtree too (a probe of
-- containment_child). Each filing now carries:
-- - listed_type: its child's type when the child is what a query lists
--   (neither a private working copy nor an older version), else NULL;
-- - multi: whether its child has other filings; only then can the child
--   be in an earlier folder of the subtree too.
-- Both are kept by the triggers below in the transaction of every write,
-- as the dates and the ACL id are.
ALTER TABLE containment ADD COLUMN listed_type TEXT;
ALTER TABLE containment ADD COLUMN multi INTEGER NOT NULL DEFAULT 0;

-- (The indexes that change are rebuilt after the update, not kept by it.)
DROP INDEX containment_acl;
DROP INDEX containment_name_acl;
DROP INDEX containment_created;
DROP INDEX containment_modified;
UPDATE containment SET
    listed_type = (SELECT CASE WHEN COALESCE(o.is_pwc, 0) = 0 AND COALESCE(o.is_latest_version, 1) = 1 THEN o.type_id END
        FROM objects o WHERE o.id = containment.child_id),
    multi = EXISTS (SELECT 1 FROM containment c WHERE c.child_id = containment.child_id AND c.parent_id <> containment.parent_id);

-- (A statement of a trigger ends inside a line: the migrations split at
-- a semicolon that ends one.)
DROP TRIGGER containment_filed;
DROP TRIGGER containment_refiled;
-- A filing made with its child's dates (a create: storage.DB.fileNew)
-- carries all of these already: the trigger runs only for a row without
-- them, instead of updating every new row once more.
CREATE TRIGGER containment_filed AFTER INSERT ON containment WHEN NEW.creation_date IS NULL BEGIN
    UPDATE containment SET (creation_date, last_modification_date, acl_id, listed_type) = (SELECT o.creation_date, o.last_modification_date, o.acl_id,
            CASE WHEN COALESCE(o.is_pwc, 0) = 0 AND COALESCE(o.is_latest_version, 1) = 1 THEN o.type_id END FROM objects o WHERE o.id = NEW.child_id),
        multi = EXISTS (SELECT 1 FROM containment c WHERE c.child_id = NEW.child_id AND c.rowid <> NEW.rowid)
        WHERE rowid = NEW.rowid
    ; UPDATE containment SET multi = 1 WHERE child_id = NEW.child_id AND rowid <> NEW.rowid AND multi = 0
    ; END;
CREATE TRIGGER containment_refiled AFTER UPDATE OF child_id ON containment BEGIN
    UPDATE containment SET (creation_date, last_modification_date, acl_id, listed_type) = (SELECT o.creation_date, o.last_modification_date, o.acl_id,
            CASE WHEN COALESCE(o.is_pwc, 0) = 0 AND COALESCE(o.is_latest_version, 1) = 1 THEN o.type_id END FROM objects o WHERE o.id = NEW.child_id),
        multi = EXISTS (SELECT 1 FROM containment c WHERE c.child_id = NEW.child_id AND c.rowid <> NEW.rowid)
        WHERE rowid = NEW.rowid
    ; UPDATE containment SET multi = 1 WHERE child_id = NEW.child_id AND rowid <> NEW.rowid AND multi = 0
    ; UPDATE containment SET multi = 0 WHERE child_id = OLD.child_id AND multi = 1
        AND (SELECT COUNT(*) FROM containment c WHERE c.child_id = OLD.child_id) = 1
    ; END;
-- The last filing left of a child is its only one.
CREATE TRIGGER containment_unfiled AFTER DELETE ON containment WHEN OLD.multi = 1 BEGIN
    UPDATE containment SET multi = 0 WHERE child_id = OLD.child_id AND multi = 1
        AND (SELECT COUNT(*) FROM containment c WHERE c.child_id = OLD.child_id) = 1
    ; END;
-- A check-in, a check-out or a new latest version changes what is listed.
CREATE TRIGGER objects_listed AFTER UPDATE OF type_id, is_pwc, is_latest_version ON objects
    WHEN (CASE WHEN COALESCE(OLD.is_pwc, 0) = 0 AND COALESCE(OLD.is_latest_version, 1) = 1 THEN OLD.type_id END)
        IS NOT (CASE WHEN COALESCE(NEW.is_pwc, 0) = 0 AND COALESCE(NEW.is_latest_version, 1) = 1 THEN NEW.type_id END)
BEGIN
    UPDATE containment SET listed_type = CASE WHEN COALESCE(NEW.is_pwc, 0) = 0 AND COALESCE(NEW.is_latest_version, 1) = 1 THEN NEW.type_id END
        WHERE child_id = NEW.id
    ; END;

-- The filings' orders, with what a query tests of each row after the
-- keys: a subtree's page skips rows without leaving the index.
CREATE INDEX containment_acl ON containment (parent_id, child_id, acl_id, listed_type, multi);
CREATE INDEX containment_name_acl ON containment (parent_id, name, child_id, acl_id, listed_type, multi);
CREATE INDEX containment_created ON containment (parent_id, creation_date, child_id, acl_id, listed_type, multi);
CREATE INDEX containment_modified ON containment (parent_id, last_modification_date, child_id, acl_id, listed_type, multi);
