-- What every request reads and rarely changes (repositories, types and
-- their property definitions, users, groups and membership) is kept in
-- memory by each cmisd process, valid for one value of this counter. Any
-- change to those tables bumps it in the changing transaction (these
-- triggers, so that no write path can forget), and a request reads it
-- once: a change made by any process is seen by the next request.
CREATE TABLE cache_generation (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
);
INSERT INTO cache_generation (id, value) VALUES (1, 0);
CREATE TRIGGER repositories_insert_generation AFTER INSERT ON repositories BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER repositories_update_generation AFTER UPDATE ON repositories BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER repositories_delete_generation AFTER DELETE ON repositories BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER types_insert_generation AFTER INSERT ON types BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER types_update_generation AFTER UPDATE ON types BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER types_delete_generation AFTER DELETE ON types BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER property_definitions_insert_generation AFTER INSERT ON property_definitions BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER property_definitions_update_generation AFTER UPDATE ON property_definitions BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER property_definitions_delete_generation AFTER DELETE ON property_definitions BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER users_insert_generation AFTER INSERT ON users BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER users_update_generation AFTER UPDATE ON users BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER users_delete_generation AFTER DELETE ON users BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER groups_insert_generation AFTER INSERT ON groups BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER groups_update_generation AFTER UPDATE ON groups BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER groups_delete_generation AFTER DELETE ON groups BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER group_members_insert_generation AFTER INSERT ON group_members BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER group_members_update_generation AFTER UPDATE ON group_members BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER group_members_delete_generation AFTER DELETE ON group_members BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
