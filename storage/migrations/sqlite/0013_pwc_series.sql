-- The private working copy of a version series, if any, found in an
-- index of the PWCs alone, as on PostgreSQL (its migration 15): every
-- object an answer loads asks for its series' (objectColumns'
-- checked-out subquery), which objects_version_series answered by reading
-- the row of each version to test is_pwc.
CREATE INDEX objects_pwc_series ON objects (version_series_id) WHERE is_pwc = 1;
