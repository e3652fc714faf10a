package query

import (
	"context"

	"github.com/cmisd/cmisd/cmis"
)

// Options are the options of one query run.
type Options struct {
	Page              cmis.Page
	Reader            *cmis.Access // results only this reader may see
	SearchAllVersions bool         // every version, not only the latest
	// SystemOnly: the select list reads only system properties that the
	// object's own row holds, so the rows' objects come without their
	// custom property values and secondary types.
	SystemOnly bool
}

// Row is one result: the object of each FROM table, in order (nil where an
// outer join found none).
type Row struct {
	Objects []*cmis.Object
	Score   float64 // relevance in [0, 1) when the query has CONTAINS
}

// Runner runs bound queries against a store: compiled to its query
// language, with the reader's access checked inside it.
type Runner interface {
	// RunQuery returns a page of results and what follows it.
	RunQuery(ctx context.Context, repositoryID string, q *Query, opt Options) ([]Row, cmis.PageEnd, error)
	// TypeByQueryName resolves a FROM table.
	TypeByQueryName(ctx context.Context, repositoryID, queryName string) (*cmis.TypeDefinition, error)
	// FullText reports whether CONTAINS and SCORE() can run.
	FullText() bool
}

// Prepare parses a statement and binds it against the types of the
// repository r runs queries for.
func Prepare(ctx context.Context, r Runner, repositoryID, statement string) (*Query, error) {
	stmt, err := Parse(statement)
	if err != nil {
		return nil, err
	}
	return Bind(stmt, runnerTypes{ctx, r, repositoryID})
}

// runnerTypes resolves a query's tables through its runner.
type runnerTypes struct {
	ctx  context.Context
	run  Runner
	repo string
}

func (r runnerTypes) TypeByQueryName(name string) (*cmis.TypeDefinition, error) {
	return r.run.TypeByQueryName(r.ctx, r.repo, name)
}
