-- The change log commits in token order. A token is taken from the
-- identity when a row is inserted, but transactions commit in any order:
-- a client following the log could read token 8, committed, while token 7
-- is still in flight, resume from 9 and never see 7. So every statement
-- that inserts into change_log first takes a transaction-level advisory
-- lock (a BEFORE STATEMENT trigger fires before the row's default takes
-- its token), held until its transaction ends: tokens are taken and
-- committed one transaction at a time, and whatever a reader sees of the
-- log is a prefix of it in token order (gaps are rolled-back tokens, never
-- events still to come). The identity's CACHE stays 1: with a cache, two
-- sessions' tokens would not follow the order they are taken in. The lock
-- is keyed by the table's schema, so stores in other schemas of the
-- database do not wait on each other. Writers that meet on rows as well
-- as on this lock may deadlock; PostgreSQL breaks it and storage runs the
-- aborted write again. (Renumbering each transaction's rows at commit
-- would hold the lock for less, but spend two tokens an event: tokens
-- would no longer run 1, 2, 3 … as on SQLite.)
CREATE FUNCTION change_log_in_token_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_advisory_xact_lock(hashtextextended(TG_TABLE_SCHEMA || '.change_log', 0)); RETURN NULL; END
$$;
CREATE TRIGGER change_log_in_token_order BEFORE INSERT ON change_log
    FOR EACH STATEMENT EXECUTE FUNCTION change_log_in_token_order();
