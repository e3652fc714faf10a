-- The private working copy of a version series, if any, found in an
-- index of the PWCs alone: every object an answer loads asks for its
-- series' (objectColumns' checked-out subquery), and through
-- objects_version_series that read each series' other versions' rows to
-- test is_pwc (100 objects of a query page: 1.6 ms of 2.1; with this
-- index 0.4). A store has few PWCs, so the index stays small.
CREATE INDEX objects_pwc_series ON objects (version_series_id) WHERE is_pwc = 1;
