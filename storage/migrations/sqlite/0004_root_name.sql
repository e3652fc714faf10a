-- The root folder had an empty cmis:name, which clients and conformance
-- kits refuse (property values must not be empty strings). Its path stays
-- "/": paths are kept per folder, not built from names.
UPDATE objects SET name = 'root' WHERE base_type_id = 'cmis:folder' AND path = '/' AND name = '';
