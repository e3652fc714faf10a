-- Access control and policies.

-- ACEs. The basic permissions nest (cmis:read < cmis:write < cmis:all), so
-- each row carries the level of its permission and a check is one indexed
-- comparison: level >= 1 to read, >= 2 to write, 3 for all. direct is 1
-- for ACEs set on the object itself, 0 for those it took from its parent
-- folder when it was created or that an ancestor propagated to it.
CREATE TABLE acl_entries (
    object_id    TEXT NOT NULL REFERENCES objects (id) ON DELETE CASCADE,
    principal_id TEXT NOT NULL,
    permission   TEXT NOT NULL,
    level        INTEGER NOT NULL,
    direct       INTEGER NOT NULL,
    PRIMARY KEY (object_id, principal_id, permission)
);
CREATE INDEX acl_entries_principal ON acl_entries (principal_id, object_id, level);

-- A repository created by version 1 of the schema: its root folder is
-- readable by everyone, as a fresh one's is.
INSERT INTO acl_entries (object_id, principal_id, permission, level, direct)
    SELECT root_folder_id, 'anyone', 'cmis:read', 1, 1 FROM repositories;

-- Policies applied to objects.
CREATE TABLE applied_policies (
    object_id TEXT NOT NULL REFERENCES objects (id) ON DELETE CASCADE,
    policy_id TEXT NOT NULL REFERENCES objects (id),
    PRIMARY KEY (object_id, policy_id)
);
CREATE INDEX applied_policies_policy ON applied_policies (policy_id);
