-- As migrations/sqlite/0004_root_name.sql.
UPDATE objects SET name = 'root' WHERE base_type_id = 'cmis:folder' AND path = '/' AND name = '';
