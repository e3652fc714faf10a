-- Access control and policies: as migrations/sqlite/0002_acl_policies.sql.

CREATE TABLE acl_entries (
    object_id    TEXT COLLATE "C" NOT NULL REFERENCES objects (id) ON DELETE CASCADE,
    principal_id TEXT COLLATE "C" NOT NULL,
    permission   TEXT COLLATE "C" NOT NULL,
    level        INTEGER NOT NULL,
    direct       INTEGER NOT NULL,
    PRIMARY KEY (object_id, principal_id, permission)
);
CREATE INDEX acl_entries_principal ON acl_entries (principal_id, object_id, level);

INSERT INTO acl_entries (object_id, principal_id, permission, level, direct)
    SELECT root_folder_id, 'anyone', 'cmis:read', 1, 1 FROM repositories;

CREATE TABLE applied_policies (
    object_id TEXT COLLATE "C" NOT NULL REFERENCES objects (id) ON DELETE CASCADE,
    policy_id TEXT COLLATE "C" NOT NULL REFERENCES objects (id),
    PRIMARY KEY (object_id, policy_id)
);
CREATE INDEX applied_policies_policy ON applied_policies (policy_id);
