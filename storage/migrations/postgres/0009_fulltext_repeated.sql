-- The lexemes an object's text holds more than once, indexed: the objects
-- a one-word search ranks above a single occurrence of the word (ts_rank
-- grows with the occurrences of the word, and the vectors carry no
-- weights), so that a common word's first page by SCORE() ranks those
-- few and reads the rest, ranked alike, in id order (postgres_fulltext.go,
-- textByRank) instead of ranking every match. A word in one document of
-- ten is in one of a few hundred twice.
CREATE FUNCTION fulltext_repeated(v TSVECTOR) RETURNS TSVECTOR LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT coalesce(array_to_tsvector(array_agg(u.lexeme)), CAST('' AS TSVECTOR)) FROM unnest(v) u WHERE cardinality(u.positions) > 1 $$;
CREATE INDEX fulltext_repeated ON fulltext USING GIN (fulltext_repeated(props || body));
-- The planner's estimates for the new expression: without them it takes
-- a word's repeats for many and reads them in parallel workers.
ANALYZE fulltext;
