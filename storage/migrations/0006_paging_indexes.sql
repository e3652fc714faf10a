-- Indexes that give broad queries and listings their rows in the order
-- asked, so that a page reads about as many rows as it holds instead of
-- sorting every match (issue #16; see storage/query_paths.go).

-- A filing carries its child's sort keys: the name (already, kept by
-- rename and check-in) and the creation and last modification dates,
-- which these triggers copy from objects. getChildren and the queries
-- driven by IN_FOLDER / IN_TREE read a folder's children in those
-- orders from containment's indexes.
ALTER TABLE containment ADD COLUMN creation_date INTEGER;
ALTER TABLE containment ADD COLUMN last_modification_date INTEGER;
UPDATE containment SET (creation_date, last_modification_date) = (SELECT o.creation_date, o.last_modification_date FROM objects o WHERE o.id = containment.child_id);
CREATE INDEX containment_created ON containment (parent_id, creation_date, child_id);
CREATE INDEX containment_modified ON containment (parent_id, last_modification_date, child_id);
CREATE TRIGGER containment_filed AFTER INSERT ON containment BEGIN UPDATE containment SET (creation_date, last_modification_date) = (SELECT o.creation_date, o.last_modification_date FROM objects o WHERE o.id = NEW.child_id) WHERE rowid = NEW.rowid; END;
CREATE TRIGGER containment_refiled AFTER UPDATE OF child_id ON containment BEGIN UPDATE containment SET (creation_date, last_modification_date) = (SELECT o.creation_date, o.last_modification_date FROM objects o WHERE o.id = NEW.child_id) WHERE rowid = NEW.rowid; END;
CREATE TRIGGER objects_dates AFTER UPDATE OF creation_date, last_modification_date ON objects BEGIN UPDATE containment SET creation_date = NEW.creation_date, last_modification_date = NEW.last_modification_date WHERE child_id = NEW.id; END;

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
