-- Indexes that give broad queries and listings their rows in the order
-- asked: as migrations/sqlite/0006_paging_indexes.sql (issue #16; see
-- storage/query_paths.go).

-- A filing carries its child's sort keys: the name (already) and the
-- creation and last modification dates, which these triggers copy from
-- objects (a BEFORE trigger sets the new row's own, where SQLite's
-- AFTER trigger updates it).
ALTER TABLE containment ADD COLUMN creation_date BIGINT;
ALTER TABLE containment ADD COLUMN last_modification_date BIGINT;
UPDATE containment c SET creation_date = o.creation_date, last_modification_date = o.last_modification_date FROM objects o WHERE o.id = c.child_id;
CREATE INDEX containment_created ON containment (parent_id, creation_date, child_id);
CREATE INDEX containment_modified ON containment (parent_id, last_modification_date, child_id);
CREATE FUNCTION containment_dates() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN SELECT o.creation_date, o.last_modification_date INTO NEW.creation_date, NEW.last_modification_date FROM objects o WHERE o.id = NEW.child_id; RETURN NEW; END
$$;
CREATE TRIGGER containment_filed BEFORE INSERT OR UPDATE OF child_id ON containment
    FOR EACH ROW EXECUTE FUNCTION containment_dates();
CREATE FUNCTION objects_dates() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN UPDATE containment SET creation_date = NEW.creation_date, last_modification_date = NEW.last_modification_date WHERE child_id = NEW.id; RETURN NULL; END
$$;
CREATE TRIGGER objects_dates AFTER UPDATE OF creation_date, last_modification_date ON objects
    FOR EACH ROW WHEN (OLD.creation_date IS DISTINCT FROM NEW.creation_date OR OLD.last_modification_date IS DISTINCT FROM NEW.last_modification_date)
    EXECUTE FUNCTION objects_dates();

-- A folder's children by name, then id (getChildren's order): SQLite
-- sees that the unique (parent_id, name) leaves nothing for the id to
-- order; PostgreSQL needs the id in the index.
CREATE INDEX containment_name ON containment (parent_id, name, child_id);

-- An object's folders from the index alone (IN_TREE counts an object
-- filed twice in a subtree once).
DROP INDEX containment_child;
CREATE INDEX containment_child ON containment (child_id, parent_id);

-- A type's objects by id, name and dates (queries with no predicate
-- that drives).
DROP INDEX objects_type;
CREATE INDEX objects_type ON objects (repository_id, type_id, id);
CREATE INDEX objects_type_name ON objects (repository_id, type_id, name, id);
CREATE INDEX objects_type_created ON objects (repository_id, type_id, creation_date, id);
CREATE INDEX objects_type_modified ON objects (repository_id, type_id, last_modification_date, id);

-- The objects having a property value, from the index alone.
DROP INDEX object_properties_text;
CREATE INDEX object_properties_text ON object_properties (property_id, value_text, object_id);
DROP INDEX object_properties_int;
CREATE INDEX object_properties_int ON object_properties (property_id, value_int, object_id);
DROP INDEX object_properties_real;
CREATE INDEX object_properties_real ON object_properties (property_id, value_real, object_id);
