-- The change log, written in the same transaction as each change.
-- token orders the events; it is what clients page with.
CREATE TABLE change_log (
    token         INTEGER PRIMARY KEY,
    repository_id TEXT NOT NULL,
    object_id     TEXT NOT NULL,
    change_type   TEXT NOT NULL, -- created, updated, deleted, security
    change_time   INTEGER NOT NULL,
    type_id       TEXT NOT NULL,
    base_type_id  TEXT NOT NULL
);
CREATE INDEX change_log_repository ON change_log (repository_id, token);

-- Whether the log holds every change since the repository was created:
-- not for repositories older than the log itself.
ALTER TABLE repositories ADD COLUMN changes_complete INTEGER NOT NULL DEFAULT 0;

-- Private working copies are looked up per repository (getCheckedOutDocs).
CREATE INDEX objects_pwc ON objects (repository_id, is_pwc);
