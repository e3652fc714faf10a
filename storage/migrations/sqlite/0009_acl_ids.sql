-- ACL ids (issue #16). Objects whose ACEs name the same principals share
-- one ACL id: a read needs any ACE of one of the reader's principals
-- (every level includes cmis:read), so which objects a reader may see is
-- which ACL ids name one of its principals, a short list from a small
-- table. acl_entries stays the source of every level and permission;
-- objects.acl_id is derived from it by the triggers below, in the
-- transaction of every write of acl_entries, and each filing carries its
-- child's (as it carries its dates, migration 6), in the indexes a
-- listing reads in order: a page that skips 10,000 rows checks their
-- access in the index, not with a probe per row (storage/acl.go).

-- readers is the ACL's principals in byte order, each as its length, a
-- colon and the name (unambiguous whatever a name holds).
CREATE TABLE acls (
    id      INTEGER PRIMARY KEY,
    readers TEXT NOT NULL UNIQUE
);
CREATE TABLE acl_readers (
    principal_id TEXT NOT NULL,
    acl_id       INTEGER NOT NULL REFERENCES acls (id),
    PRIMARY KEY (principal_id, acl_id)
) WITHOUT ROWID;
ALTER TABLE objects ADD COLUMN acl_id INTEGER;
ALTER TABLE containment ADD COLUMN acl_id INTEGER;

CREATE TEMP TABLE acl_keys (object_id TEXT PRIMARY KEY, readers TEXT NOT NULL) WITHOUT ROWID;
INSERT INTO temp.acl_keys (object_id, readers)
    SELECT object_id, group_concat(length(principal_id) || ':' || principal_id, '' ORDER BY principal_id)
    FROM (SELECT DISTINCT object_id, principal_id FROM acl_entries) GROUP BY object_id;
INSERT INTO acls (readers) SELECT DISTINCT readers FROM temp.acl_keys ORDER BY readers;
INSERT INTO acl_readers (principal_id, acl_id)
    SELECT DISTINCT e.principal_id, a.id FROM (SELECT readers, MIN(object_id) AS object_id FROM temp.acl_keys GROUP BY readers) one
    JOIN acls a ON a.readers = one.readers JOIN acl_entries e ON e.object_id = one.object_id;
UPDATE objects SET acl_id = (SELECT a.id FROM temp.acl_keys k JOIN acls a ON a.readers = k.readers WHERE k.object_id = objects.id);
-- (The indexes that change are rebuilt after the update, not kept by it.)
DROP INDEX containment_created;
DROP INDEX containment_modified;
UPDATE containment SET acl_id = (SELECT o.acl_id FROM objects o WHERE o.id = containment.child_id);
DROP TABLE temp.acl_keys;

-- An object's ACL id after a change of its ACEs: the ACL of its key (new,
-- with its readers, or there already); none without ACEs (a NULL key).
-- An ACE of a principal its object's ACL names already leaves the
-- object's principals, and so its ACL id, as they are: the trigger does
-- nothing then. That is every ACE of an object created with its folder's
-- ACL id (storage.inheritedACLID): one with its folder's principals gets
-- their ACEs without recomputing its ACL after each.
CREATE TRIGGER acl_entries_added AFTER INSERT ON acl_entries
    WHEN NOT EXISTS (SELECT 1 FROM objects o JOIN acl_readers ar ON ar.acl_id = o.acl_id WHERE o.id = NEW.object_id AND ar.principal_id = NEW.principal_id) BEGIN INSERT OR IGNORE INTO acls (readers) SELECT (SELECT group_concat(length(principal_id) || ':' || principal_id, '' ORDER BY principal_id) FROM (SELECT DISTINCT principal_id FROM acl_entries WHERE object_id = objects.id)) FROM objects WHERE id = NEW.object_id; UPDATE objects SET acl_id = (SELECT a.id FROM acls a WHERE a.readers = (SELECT group_concat(length(principal_id) || ':' || principal_id, '' ORDER BY principal_id) FROM (SELECT DISTINCT principal_id FROM acl_entries WHERE object_id = objects.id))) WHERE id = NEW.object_id; INSERT OR IGNORE INTO acl_readers (principal_id, acl_id) SELECT DISTINCT e.principal_id, o.acl_id FROM objects o JOIN acl_entries e ON e.object_id = o.id WHERE o.id = NEW.object_id; END;
CREATE TRIGGER acl_entries_removed AFTER DELETE ON acl_entries BEGIN INSERT OR IGNORE INTO acls (readers) SELECT (SELECT group_concat(length(principal_id) || ':' || principal_id, '' ORDER BY principal_id) FROM (SELECT DISTINCT principal_id FROM acl_entries WHERE object_id = objects.id)) FROM objects WHERE id = OLD.object_id; UPDATE objects SET acl_id = (SELECT a.id FROM acls a WHERE a.readers = (SELECT group_concat(length(principal_id) || ':' || principal_id, '' ORDER BY principal_id) FROM (SELECT DISTINCT principal_id FROM acl_entries WHERE object_id = objects.id))) WHERE id = OLD.object_id; INSERT OR IGNORE INTO acl_readers (principal_id, acl_id) SELECT DISTINCT e.principal_id, o.acl_id FROM objects o JOIN acl_entries e ON e.object_id = o.id WHERE o.id = OLD.object_id; END;
CREATE TRIGGER acl_entries_changed AFTER UPDATE OF object_id, principal_id ON acl_entries BEGIN INSERT OR IGNORE INTO acls (readers) SELECT (SELECT group_concat(length(principal_id) || ':' || principal_id, '' ORDER BY principal_id) FROM (SELECT DISTINCT principal_id FROM acl_entries WHERE object_id = objects.id)) FROM objects WHERE id IN (OLD.object_id, NEW.object_id); UPDATE objects SET acl_id = (SELECT a.id FROM acls a WHERE a.readers = (SELECT group_concat(length(principal_id) || ':' || principal_id, '' ORDER BY principal_id) FROM (SELECT DISTINCT principal_id FROM acl_entries WHERE object_id = objects.id))) WHERE id IN (OLD.object_id, NEW.object_id); INSERT OR IGNORE INTO acl_readers (principal_id, acl_id) SELECT DISTINCT e.principal_id, o.acl_id FROM objects o JOIN acl_entries e ON e.object_id = o.id WHERE o.id IN (OLD.object_id, NEW.object_id); END;

-- A filing carries its child's ACL id, as it carries its dates.
DROP TRIGGER containment_filed;
DROP TRIGGER containment_refiled;
CREATE TRIGGER containment_filed AFTER INSERT ON containment BEGIN UPDATE containment SET (creation_date, last_modification_date, acl_id) = (SELECT o.creation_date, o.last_modification_date, o.acl_id FROM objects o WHERE o.id = NEW.child_id) WHERE rowid = NEW.rowid; END;
CREATE TRIGGER containment_refiled AFTER UPDATE OF child_id ON containment BEGIN UPDATE containment SET (creation_date, last_modification_date, acl_id) = (SELECT o.creation_date, o.last_modification_date, o.acl_id FROM objects o WHERE o.id = NEW.child_id) WHERE rowid = NEW.rowid; END;
CREATE TRIGGER objects_acl AFTER UPDATE OF acl_id ON objects WHEN OLD.acl_id IS NOT NEW.acl_id BEGIN UPDATE containment SET acl_id = NEW.acl_id WHERE child_id = NEW.id; END;

-- The filings' orders with the ACL id in the index: a folder's children
-- (or a subtree's filings) by id, name or date, the reader's access
-- checked from the index alone.
CREATE INDEX containment_acl ON containment (parent_id, child_id, acl_id);
CREATE INDEX containment_name_acl ON containment (parent_id, name, child_id, acl_id);
CREATE INDEX containment_created ON containment (parent_id, creation_date, child_id, acl_id);
CREATE INDEX containment_modified ON containment (parent_id, last_modification_date, child_id, acl_id);
