-- cmisd schema, version 1. Dialect-neutral SQL: types are TEXT, INTEGER and
-- REAL only, booleans are INTEGER 0/1, instants are INTEGER milliseconds
-- since the Unix epoch (UTC).

CREATE TABLE repositories (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    root_folder_id TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    -- bumped by every type change, so that cached type definitions can be
    -- checked with one cheap read
    type_version   INTEGER NOT NULL DEFAULT 0
);

-- Object-types. Base types have parent_id NULL. Attributes of one base kind
-- only (versionable, content_stream_allowed, allowed_*_types) are NULL on
-- the others.
CREATE TABLE types (
    repository_id               TEXT NOT NULL REFERENCES repositories (id),
    id                          TEXT NOT NULL,
    parent_id                   TEXT,
    base_id                     TEXT NOT NULL,
    local_name                  TEXT NOT NULL,
    local_namespace             TEXT NOT NULL DEFAULT '',
    display_name                TEXT NOT NULL DEFAULT '',
    query_name                  TEXT NOT NULL,
    description                 TEXT NOT NULL DEFAULT '',
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
    content_stream_allowed      TEXT,
    allowed_source_types        TEXT, -- JSON array of type ids; NULL = any
    allowed_target_types        TEXT, -- JSON array of type ids; NULL = any
    created_at                  INTEGER NOT NULL,
    PRIMARY KEY (repository_id, id),
    UNIQUE (repository_id, query_name),
    FOREIGN KEY (repository_id, parent_id) REFERENCES types (repository_id, id)
);
CREATE INDEX types_parent ON types (repository_id, parent_id, id);

-- Property definitions a type defines itself; inherited ones are those of
-- its ancestors. Typed attributes (default, choices, min/max) are JSON.
CREATE TABLE property_definitions (
    repository_id   TEXT NOT NULL,
    type_id         TEXT NOT NULL,
    id              TEXT NOT NULL,
    position        INTEGER NOT NULL,
    local_name      TEXT NOT NULL,
    local_namespace TEXT NOT NULL DEFAULT '',
    display_name    TEXT NOT NULL DEFAULT '',
    query_name      TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    property_type   TEXT NOT NULL,
    cardinality     TEXT NOT NULL,
    updatability    TEXT NOT NULL,
    required        INTEGER NOT NULL,
    queryable       INTEGER NOT NULL,
    orderable       INTEGER NOT NULL,
    open_choice     INTEGER,
    default_value   TEXT,
    choices         TEXT,
    max_length      INTEGER,
    min_value       TEXT,
    max_value       TEXT,
    precision_bits  TEXT,
    resolution      TEXT,
    PRIMARY KEY (repository_id, type_id, id),
    FOREIGN KEY (repository_id, type_id) REFERENCES types (repository_id, id) ON DELETE CASCADE
);
CREATE INDEX property_definitions_id ON property_definitions (repository_id, id);

-- Content streams. The bytes live in the content store under the data
-- directory, named by id; a row exists only for content whose file was
-- written and fsynced before the transaction that references it commits.
CREATE TABLE contents (
    id         TEXT PRIMARY KEY,
    length     INTEGER NOT NULL,
    mime_type  TEXT NOT NULL,
    file_name  TEXT NOT NULL DEFAULT '',
    sha256     TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- Every object of every base type. The system properties that all queries
-- and listings need are columns; custom properties live in
-- object_properties.
CREATE TABLE objects (
    id                     TEXT PRIMARY KEY,
    repository_id          TEXT NOT NULL REFERENCES repositories (id),
    type_id                TEXT NOT NULL,
    base_type_id           TEXT NOT NULL,
    name                   TEXT NOT NULL,
    description            TEXT,
    created_by             TEXT NOT NULL,
    creation_date          INTEGER NOT NULL,
    last_modified_by       TEXT NOT NULL,
    last_modification_date INTEGER NOT NULL,
    change_token           INTEGER NOT NULL DEFAULT 1,
    -- folders: the materialised path ("/" for the root) answers
    -- getObjectByPath and IN_TREE with an index instead of a tree walk.
    path                   TEXT,
    -- documents
    version_series_id      TEXT,
    version_label          TEXT,
    is_major_version       INTEGER,
    is_latest_version      INTEGER,
    is_latest_major        INTEGER,
    is_pwc                 INTEGER,
    checkin_comment        TEXT,
    content_id             TEXT REFERENCES contents (id),
    -- relationships and policies
    source_id              TEXT,
    target_id              TEXT,
    policy_text            TEXT,
    FOREIGN KEY (repository_id, type_id) REFERENCES types (repository_id, id)
);
CREATE INDEX objects_type ON objects (repository_id, type_id);
CREATE INDEX objects_name ON objects (repository_id, name);
CREATE UNIQUE INDEX objects_path ON objects (repository_id, path);
CREATE INDEX objects_version_series ON objects (version_series_id);
CREATE INDEX objects_content ON objects (content_id);
CREATE INDEX objects_source ON objects (source_id);
CREATE INDEX objects_target ON objects (target_id);

-- Folder containment. A document may have several parents (multi-filing);
-- names are unique among the children of one folder.
CREATE TABLE containment (
    parent_id TEXT NOT NULL REFERENCES objects (id),
    child_id  TEXT NOT NULL REFERENCES objects (id) ON DELETE CASCADE,
    name      TEXT NOT NULL,
    PRIMARY KEY (parent_id, child_id),
    UNIQUE (parent_id, name)
);
CREATE INDEX containment_child ON containment (child_id);

-- Custom property values, one row per value (position orders multi-valued
-- ones). Each value sits in the column of its kind so that equality and
-- range predicates run on an index: value_text for string, id, html and
-- uri, and the exact text of decimals; value_int for integer, boolean and
-- datetime (ms); value_real for decimals.
CREATE TABLE object_properties (
    object_id   TEXT NOT NULL REFERENCES objects (id) ON DELETE CASCADE,
    property_id TEXT NOT NULL,
    position    INTEGER NOT NULL DEFAULT 0,
    -- the property type the value was written as, so rows decode without
    -- the type definition at hand
    property_type TEXT NOT NULL,
    value_text  TEXT,
    value_int   INTEGER,
    value_real  REAL,
    PRIMARY KEY (object_id, property_id, position)
);
CREATE INDEX object_properties_text ON object_properties (property_id, value_text);
CREATE INDEX object_properties_int ON object_properties (property_id, value_int);
CREATE INDEX object_properties_real ON object_properties (property_id, value_real);

-- Secondary types attached to an object.
CREATE TABLE object_secondary_types (
    object_id TEXT NOT NULL REFERENCES objects (id) ON DELETE CASCADE,
    type_id   TEXT NOT NULL,
    PRIMARY KEY (object_id, type_id)
);
CREATE INDEX object_secondary_types_type ON object_secondary_types (type_id);

-- Principals. Passwords are bcrypt hashes, never plain text.
CREATE TABLE users (
    name          TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE TABLE groups (
    name       TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL
);
CREATE TABLE group_members (
    group_name TEXT NOT NULL REFERENCES groups (name) ON DELETE CASCADE,
    user_name  TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    PRIMARY KEY (group_name, user_name)
);
CREATE INDEX group_members_user ON group_members (user_name);
