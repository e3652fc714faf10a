-- The change log commits in token order. The identity gives a row its
-- token at insert time, but transactions commit in any order: a client
-- following the log could read token 8, committed, while token 7 is still
-- in flight, resume from 9 and never see 7. So a row's token is final only
-- at commit: a deferred trigger, run as the transaction commits, takes a
-- transaction-level advisory lock and gives each of its rows, in the order
-- they were written, a fresh token; the lock is held until the commit is
-- done. Final tokens are thus taken and committed one transaction at a
-- time, and whatever a reader sees of the log is a prefix of it in token
-- order (gaps are tokens of provisional rows, never events still to come).
-- The lock is held only while committing, after all the transaction's
-- other work and row locks, so it neither stalls writers for long nor
-- deadlocks with them. The identity's CACHE stays 1: with a cache, two
-- sessions' tokens would not follow the order they are taken in. The lock
-- is keyed by the table's schema, so stores in other schemas of one
-- database do not wait on each other. A copy of a whole store (cmisd copy)
-- keeps the tokens it inserts: it sets cmisd.keep_tokens for its
-- transaction.
CREATE FUNCTION change_log_in_commit_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN IF current_setting('cmisd.keep_tokens', true) = 'on' THEN RETURN NULL; END IF; PERFORM pg_advisory_xact_lock(hashtextextended(TG_TABLE_SCHEMA || '.change_log', 0)); EXECUTE format('UPDATE %I.change_log SET token = nextval(pg_get_serial_sequence(%L, ''token'')) WHERE token = $1', TG_TABLE_SCHEMA, TG_TABLE_SCHEMA || '.change_log') USING NEW.token; RETURN NULL; END
$$;
CREATE CONSTRAINT TRIGGER change_log_in_commit_order AFTER INSERT ON change_log
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION change_log_in_commit_order();
