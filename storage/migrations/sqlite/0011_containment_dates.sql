-- A filing made with its child's dates (a create: storage.DB.fileNew)
-- leaves the trigger of 0006 nothing to copy: it runs only for a row
-- without them, instead of updating every new row (and its entries in
-- containment_created and containment_modified) once more.
DROP TRIGGER containment_filed;
CREATE TRIGGER containment_filed AFTER INSERT ON containment WHEN NEW.creation_date IS NULL OR NEW.last_modification_date IS NULL BEGIN UPDATE containment SET (creation_date, last_modification_date) = (SELECT o.creation_date, o.last_modification_date FROM objects o WHERE o.id = NEW.child_id) WHERE rowid = NEW.rowid; END;
