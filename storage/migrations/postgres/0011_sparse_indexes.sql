-- The objects columns that only some base types fill (version series,
-- content and working copy: documents; ends: relationships) are indexed
-- for the rows that have a value only. Every lookup by them compares
-- them with a value, which implies NOT NULL, so the planner keeps using
-- these indexes; a folder's insert no longer writes an entry into
-- each of five indexes for its NULLs (sqlite/0010_sparse_indexes.sql).
DROP INDEX objects_version_series;
CREATE INDEX objects_version_series ON objects (version_series_id) WHERE version_series_id IS NOT NULL;
DROP INDEX objects_content;
CREATE INDEX objects_content ON objects (content_id) WHERE content_id IS NOT NULL;
DROP INDEX objects_source;
CREATE INDEX objects_source ON objects (source_id) WHERE source_id IS NOT NULL;
DROP INDEX objects_target;
CREATE INDEX objects_target ON objects (target_id) WHERE target_id IS NOT NULL;
DROP INDEX objects_pwc;
CREATE INDEX objects_pwc ON objects (repository_id, is_pwc) WHERE is_pwc IS NOT NULL;
