// Package query implements the CMIS 1.1 query language (CMIS-QL): a
// lexer and recursive-descent parser producing a syntax tree
// (Statement), a parser for the full-text mini-language of CONTAINS
// (TextSearch), and Bind, which resolves a Statement against the type
// system and checks it, producing a Query for the SQL compiler.
//
// Every value a user writes stays a typed literal (string, int64,
// cmis.Decimal, bool, time.Time) or a decoded LIKE pattern: nothing in
// the tree is SQL text, so a compiler that binds every value as a
// parameter cannot be injected into.
//
// Every error is a *cmis.Error of type invalidArgument (notSupported for
// the one construct Bind does not take: a parenthesised join on the
// right of JOIN) whose message starts with "query: line:column:".
package query
