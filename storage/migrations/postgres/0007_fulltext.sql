-- Full text: one row per object with the text search vectors of its
-- properties (name, description, string values) and of its content, kept
-- in the transaction of each write. storage makes the vectors itself
-- (postgres_fulltext.go): lexemes as SQLite's FTS5 unicode61 tokenizer
-- cuts them, so that CONTAINS finds the same objects on both engines
-- whatever the database's locale. Searches go through the GIN index on
-- their concatenation.
CREATE TABLE fulltext (
    object_id TEXT COLLATE "C" PRIMARY KEY,
    props     TSVECTOR NOT NULL DEFAULT '',
    body      TSVECTOR NOT NULL DEFAULT ''
);
CREATE INDEX fulltext_doc ON fulltext USING GIN ((props || body));
