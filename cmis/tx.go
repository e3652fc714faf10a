package cmis

import "context"

// Transactor runs the store calls of one operation in one transaction:
// the store calls made with the context fn gets share it.
type Transactor interface {
	// Read runs fn in one read snapshot: a permission check sees what
	// the read returns.
	Read(ctx context.Context, fn func(ctx context.Context) error) error
	// Write runs fn in one write transaction, committed if fn returns
	// nil: the checks a write depends on run inside it.
	Write(ctx context.Context, fn func(ctx context.Context) error) error
	// Stage writes an incoming content stream durably before the Write
	// that references it (prefix: stored content whose bytes come first,
	// for an append), so that no transaction waits for an upload. The
	// Write that follows, given the returned context, references it or
	// removes it.
	Stage(ctx context.Context, c *ContentStream, prefix *ContentInfo) (context.Context, error)
}
