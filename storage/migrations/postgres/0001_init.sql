-- cmisd schema, version 1, for PostgreSQL: the same tables, columns and
-- indexes as migrations/sqlite/0001_init.sql, with the same meaning.
-- Booleans are INTEGER 0/1 and instants BIGINT milliseconds since the Unix
-- epoch (UTC), as on SQLite, so that storage reads and writes both the
-- same way. Every text column is COLLATE "C": comparisons, ORDER BY and
-- the path ranges of subtrees go by bytes, as SQLite's BINARY collation
-- does, whatever the database's own locale.

CREATE TABLE repositories (
    id             TEXT COLLATE "C" PRIMARY KEY,
    name           TEXT COLLATE "C" NOT NULL,
    description    TEXT COLLATE "C" NOT NULL DEFAULT '',
    root_folder_id TEXT COLLATE "C" NOT NULL,
    created_at     BIGINT NOT NULL,
    type_version   BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE types (
    repository_id               TEXT COLLATE "C" NOT NULL REFERENCES repositories (id),
    id                          TEXT COLLATE "C" NOT NULL,
    parent_id                   TEXT COLLATE "C",
    base_id                     TEXT COLLATE "C" NOT NULL,
    local_name                  TEXT COLLATE "C" NOT NULL,
    local_namespace             TEXT COLLATE "C" NOT NULL DEFAULT '',
    display_name                TEXT COLLATE "C" NOT NULL DEFAULT '',
    query_name                  TEXT COLLATE "C" NOT NULL,
    description                 TEXT COLLATE "C" NOT NULL DEFAULT '',
    creatable                   INTEGER NOT NULL,
    fileable                    INTEGER NOT NULL,
    queryable                   INTEGER NOT NULL,
    fulltext_indexed            INTEGER NOT NULL,
    included_in_supertype_query INTEGER NOT NULL,
    controllable_policy         INTEGER NOT NULL,
    controllable_acl            INTEGER NOT NULL,
    mutability_create           INTEGER NOT NULL,
    mutability_update           INTEGER NOT NULL,
    mutability_delete           INTEGER NOT NULL,
    versionable                 INTEGER,
    content_stream_allowed      TEXT COLLATE "C",
    allowed_source_types        TEXT COLLATE "C",
    allowed_target_types        TEXT COLLATE "C",
    created_at                  BIGINT NOT NULL,
    PRIMARY KEY (repository_id, id),
    UNIQUE (repository_id, query_name),
    FOREIGN KEY (repository_id, parent_id) REFERENCES types (repository_id, id)
);
CREATE INDEX types_parent ON types (repository_id, parent_id, id);

CREATE TABLE property_definitions (
    repository_id   TEXT COLLATE "C" NOT NULL,
    type_id         TEXT COLLATE "C" NOT NULL,
    id              TEXT COLLATE "C" NOT NULL,
    position        INTEGER NOT NULL,
    local_name      TEXT COLLATE "C" NOT NULL,
    local_namespace TEXT COLLATE "C" NOT NULL DEFAULT '',
    display_name    TEXT COLLATE "C" NOT NULL DEFAULT '',
    query_name      TEXT COLLATE "C" NOT NULL,
    description     TEXT COLLATE "C" NOT NULL DEFAULT '',
    property_type   TEXT COLLATE "C" NOT NULL,
    cardinality     TEXT COLLATE "C" NOT NULL,
    updatability    TEXT COLLATE "C" NOT NULL,
    required        INTEGER NOT NULL,
    queryable       INTEGER NOT NULL,
    orderable       INTEGER NOT NULL,
    open_choice     INTEGER,
    default_value   TEXT COLLATE "C",
    choices         TEXT COLLATE "C",
    max_length      BIGINT,
    min_value       TEXT COLLATE "C",
    max_value       TEXT COLLATE "C",
    precision_bits  TEXT COLLATE "C",
    resolution      TEXT COLLATE "C",
    PRIMARY KEY (repository_id, type_id, id),
    FOREIGN KEY (repository_id, type_id) REFERENCES types (repository_id, id) ON DELETE CASCADE
);
CREATE INDEX property_definitions_id ON property_definitions (repository_id, id);

CREATE TABLE contents (
    id         TEXT COLLATE "C" PRIMARY KEY,
    length     BIGINT NOT NULL,
    mime_type  TEXT COLLATE "C" NOT NULL,
    file_name  TEXT COLLATE "C" NOT NULL DEFAULT '',
    sha256     TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE objects (
    id                     TEXT COLLATE "C" PRIMARY KEY,
    repository_id          TEXT COLLATE "C" NOT NULL REFERENCES repositories (id),
    type_id                TEXT COLLATE "C" NOT NULL,
    base_type_id           TEXT COLLATE "C" NOT NULL,
    name                   TEXT COLLATE "C" NOT NULL,
    description            TEXT COLLATE "C",
    created_by             TEXT COLLATE "C" NOT NULL,
    creation_date          BIGINT NOT NULL,
    last_modified_by       TEXT COLLATE "C" NOT NULL,
    last_modification_date BIGINT NOT NULL,
    change_token           BIGINT NOT NULL DEFAULT 1,
    path                   TEXT COLLATE "C",
    version_series_id      TEXT COLLATE "C",
    version_label          TEXT COLLATE "C",
    is_major_version       INTEGER,
    is_latest_version      INTEGER,
    is_latest_major        INTEGER,
    is_pwc                 INTEGER,
    checkin_comment        TEXT COLLATE "C",
    content_id             TEXT COLLATE "C" REFERENCES contents (id),
    source_id              TEXT COLLATE "C",
    target_id              TEXT COLLATE "C",
    policy_text            TEXT COLLATE "C",
    FOREIGN KEY (repository_id, type_id) REFERENCES types (repository_id, id)
);
CREATE INDEX objects_type ON objects (repository_id, type_id);
CREATE INDEX objects_name ON objects (repository_id, name);
CREATE UNIQUE INDEX objects_path ON objects (repository_id, path);
CREATE INDEX objects_version_series ON objects (version_series_id);
CREATE INDEX objects_content ON objects (content_id);
CREATE INDEX objects_source ON objects (source_id);
CREATE INDEX objects_target ON objects (target_id);

CREATE TABLE containment (
    parent_id TEXT COLLATE "C" NOT NULL REFERENCES objects (id),
    child_id  TEXT COLLATE "C" NOT NULL REFERENCES objects (id) ON DELETE CASCADE,
    name      TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (parent_id, child_id),
    UNIQUE (parent_id, name)
);
CREATE INDEX containment_child ON containment (child_id);

CREATE TABLE object_properties (
    object_id     TEXT COLLATE "C" NOT NULL REFERENCES objects (id) ON DELETE CASCADE,
    property_id   TEXT COLLATE "C" NOT NULL,
    position      INTEGER NOT NULL DEFAULT 0,
    property_type TEXT COLLATE "C" NOT NULL,
    value_text    TEXT COLLATE "C",
    value_int     BIGINT,
    value_real    DOUBLE PRECISION,
    PRIMARY KEY (object_id, property_id, position)
);
CREATE INDEX object_properties_text ON object_properties (property_id, value_text);
CREATE INDEX object_properties_int ON object_properties (property_id, value_int);
CREATE INDEX object_properties_real ON object_properties (property_id, value_real);

CREATE TABLE object_secondary_types (
    object_id TEXT COLLATE "C" NOT NULL REFERENCES objects (id) ON DELETE CASCADE,
    type_id   TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (object_id, type_id)
);
CREATE INDEX object_secondary_types_type ON object_secondary_types (type_id);

CREATE TABLE users (
    name          TEXT COLLATE "C" PRIMARY KEY,
    password_hash TEXT COLLATE "C" NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE TABLE groups (
    name       TEXT COLLATE "C" PRIMARY KEY,
    created_at BIGINT NOT NULL
);
CREATE TABLE group_members (
    group_name TEXT COLLATE "C" NOT NULL REFERENCES groups (name) ON DELETE CASCADE,
    user_name  TEXT COLLATE "C" NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    PRIMARY KEY (group_name, user_name)
);
CREATE INDEX group_members_user ON group_members (user_name);
