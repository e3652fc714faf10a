-- As migrations/sqlite/0005_cache_generation.sql: what every request
-- reads and rarely changes (repositories, types and their property
-- definitions, users, groups and membership) is kept in memory by each
-- cmisd process, valid for one value of this counter, which any change
-- to those tables bumps in the changing transaction (statement triggers).
CREATE TABLE cache_generation (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value BIGINT NOT NULL
);
INSERT INTO cache_generation (id, value) VALUES (1, 0);
CREATE FUNCTION cmisd_bump_cache_generation() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; RETURN NULL; END $$;
CREATE TRIGGER repositories_generation AFTER INSERT OR UPDATE OR DELETE ON repositories FOR EACH STATEMENT EXECUTE FUNCTION cmisd_bump_cache_generation();
CREATE TRIGGER types_generation AFTER INSERT OR UPDATE OR DELETE ON types FOR EACH STATEMENT EXECUTE FUNCTION cmisd_bump_cache_generation();
CREATE TRIGGER property_definitions_generation AFTER INSERT OR UPDATE OR DELETE ON property_definitions FOR EACH STATEMENT EXECUTE FUNCTION cmisd_bump_cache_generation();
CREATE TRIGGER users_generation AFTER INSERT OR UPDATE OR DELETE ON users FOR EACH STATEMENT EXECUTE FUNCTION cmisd_bump_cache_generation();
CREATE TRIGGER groups_generation AFTER INSERT OR UPDATE OR DELETE ON groups FOR EACH STATEMENT EXECUTE FUNCTION cmisd_bump_cache_generation();
CREATE TRIGGER group_members_generation AFTER INSERT OR UPDATE OR DELETE ON group_members FOR EACH STATEMENT EXECUTE FUNCTION cmisd_bump_cache_generation();
