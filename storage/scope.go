package storage

import (
	"context"
	"fmt"
	"io"
	"reflect"

	"github.com/cmisd/cmisd/cmis"
	"github.com/jmoiron/sqlx"
)

// A request's work runs in one transaction: Read gives the store calls of
// a read operation one snapshot (the permission check sees what the read
// returns), Write gives a write operation one write transaction that
// holds its checks too. Store calls find the transaction in their
// context; outside a scope each call runs in a transaction of its own.
//
// Content is never copied inside a write transaction (SQLite has one
// writer): Stage writes a stream durably first, and the Write that
// follows either references it or removes it.

var _ cmis.Transactor = (*DB)(nil)

type scopeKey struct{}

type scope struct {
	tx    *sqlx.Tx // nil once a read scope ended early (end)
	write bool
	// gen is the cache generation this transaction sees, read once.
	gen      int64
	genKnown bool
	// afterCommit runs once the write committed: content streams the
	// commit stopped referencing.
	afterCommit []func()
	// staged are the streams Stage wrote for this write; used marks those
	// a contents row now references.
	staged []*stagedContent
}

// stagedContent is an incoming stream already in the content store, and
// its text for the full-text index. It is known by the reader it was read
// from: the request's upload, whichever ContentStream carries it.
type stagedContent struct {
	of     io.Reader
	prefix *cmis.ContentInfo
	stored *cmis.StoredContent
	text   string
	used   bool
}

func scopeOf(ctx context.Context) *scope {
	sc, _ := ctx.Value(scopeKey{}).(*scope)
	return sc
}

// queryer is where a store call that reads with a single statement runs:
// the request's transaction when it has one, else the read pool. Never
// the pool inside a scope: the request holds a connection already, and
// as many requests as the pool has connections, each waiting for a
// second one, would wait forever.
func (s *DB) queryer(ctx context.Context) sqlx.QueryerContext {
	if sc := scopeOf(ctx); sc != nil && sc.tx != nil {
		return sc.tx
	}
	return s.db
}

// Read runs fn with a context whose store calls share one read snapshot.
// Inside a scope already, fn runs in that one. A Write or a Stage inside
// it ends the snapshot first: a request never holds two transactions, and
// no snapshot waits for an upload.
func (s *DB) Read(ctx context.Context, fn func(ctx context.Context) error) error {
	return s.read(ctx, s.db, fn)
}

// ReadBeforeWrite is Read for a request whose operation writes: the
// snapshot it holds until its Write (authentication's) comes from a pool
// of its own on SQLite, whose connections do not map the file (sqlite.go).
func (s *DB) ReadBeforeWrite(ctx context.Context, fn func(ctx context.Context) error) error {
	if s.pre == nil {
		return s.read(ctx, s.db, fn)
	}
	return s.read(ctx, s.pre, fn)
}

func (s *DB) read(ctx context.Context, pool *sqlx.DB, fn func(ctx context.Context) error) error {
	if scopeOf(ctx) != nil {
		return fn(ctx)
	}
	// On SQLite the snapshot is opened by the generation statement, which
	// fills in sc.gen (sqlite_snapshot.go).
	sc := &scope{}
	tx, err := pool.BeginTxx(context.WithValue(ctx, snapshotKey{}, sc), s.dialect.readTx())
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	sc.tx = tx
	defer sc.end()
	return fn(context.WithValue(ctx, scopeKey{}, sc))
}

// end releases a read scope's snapshot (nothing to commit); the store
// calls made with its context afterwards run in transactions of their
// own.
func (sc *scope) end() {
	if sc.tx != nil && !sc.write {
		_ = sc.tx.Rollback()
		sc.tx = nil
		sc.genKnown = false // what follows may see a newer generation
	}
}

// Write runs fn in one write transaction: every store call made with the
// context it gets runs in it, and it commits if fn returns nil (on
// SQLite, fn's savepoint commits with the writes queued beside it:
// groupcommit.go). Streams
// staged for it (Stage) that it did not reference are removed either way;
// streams it stopped referencing are removed after the commit.
func (s *DB) Write(ctx context.Context, fn func(ctx context.Context) error) error {
	if sc := scopeOf(ctx); sc != nil && sc.write {
		return fn(ctx)
	} else if sc != nil {
		sc.end()
	}
	staged := stagedOf(ctx)
	var sc *scope
	run := func() error {
		for _, st := range staged {
			st.used = false
		}
		sc = &scope{write: true, staged: append([]*stagedContent(nil), staged...)}
		return s.writeTx(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
			sc.tx = tx
			return fn(context.WithValue(ctx, scopeKey{}, sc))
		})
	}
	err := run()
	// Where writers run side by side (PostgreSQL), one the database
	// aborted to break a deadlock runs again, from the start: fn reads,
	// checks and writes afresh. Not when the run read an upload itself
	// (staged in the transaction): that is gone.
	for attempt := 1; len(sc.staged) == len(staged) && s.runAgain(ctx, err, attempt); attempt++ {
		err = run()
	}
	for _, st := range sc.staged {
		if err != nil || !st.used {
			s.discard(ctx, st.stored.ID)
		}
	}
	if err != nil {
		return err
	}
	for _, f := range sc.afterCommit {
		f()
	}
	return nil
}

type stagedKey struct{}

func stagedOf(ctx context.Context) []*stagedContent {
	st, _ := ctx.Value(stagedKey{}).([]*stagedContent)
	return st
}

// Stage writes an incoming content stream durably (prefix, if set, is
// stored content whose bytes come first: appendContentStream) and
// returns a context that hands it to the Write that must follow, which
// references it or removes it.
func (s *DB) Stage(ctx context.Context, c *cmis.ContentStream, prefix *cmis.ContentInfo) (context.Context, error) {
	if c == nil || c.Reader == nil {
		return ctx, nil
	}
	if sc := scopeOf(ctx); sc != nil && sc.write {
		return ctx, nil // inside a write already: the store call stages it
	} else if sc != nil {
		sc.end() // no snapshot waits for an upload
	}
	st, err := s.stage(ctx, c, prefix)
	if err != nil {
		return nil, err
	}
	sc := &stagedContent{of: c.Reader, prefix: prefix, stored: st, text: s.contentText(ctx, st, c.MimeType)}
	staged := append(append([]*stagedContent(nil), stagedOf(ctx)...), sc)
	return context.WithValue(ctx, stagedKey{}, staged), nil
}

// staged returns the stream staged for c in this write (marking it
// used, as the caller is about to reference it) or stages it now, when
// the caller did not stage (outside a scope: a transaction of its own).
// discard removes a stream staged now if the caller's transaction fails.
func (s *DB) staged(ctx context.Context, c *cmis.ContentStream, prefix *cmis.ContentInfo) (st *cmis.StoredContent, text string, discard func(), err error) {
	if c == nil || c.Reader == nil {
		return nil, "", func() {}, nil
	}
	if sc := scopeOf(ctx); sc != nil {
		for _, p := range sc.staged {
			if !sameReader(p.of, c.Reader) {
				continue
			}
			if prefixID(p.prefix) != prefixID(prefix) {
				// Appended to other bytes than the document now has.
				return nil, "", nil, cmis.Errorf(cmis.ErrUpdateConflict, "the content changed while the append was read")
			}
			p.used = true
			return p.stored, p.text, func() {}, nil
		}
	}
	st, err = s.stage(ctx, c, prefix)
	if err != nil {
		return nil, "", nil, err
	}
	text = s.contentText(ctx, st, c.MimeType)
	if sc := scopeOf(ctx); sc != nil && sc.write {
		// Not staged before the write (slower: the writer waits for the
		// copy); the Write removes it if it does not commit.
		sc.staged = append(sc.staged, &stagedContent{of: c.Reader, prefix: prefix, stored: st, text: text, used: true})
		return st, text, func() {}, nil
	}
	return st, text, func() { s.discard(ctx, st.ID) }, nil
}

// sameReader reports whether a and b are the same reader (false for
// readers of a type that cannot be compared).
func sameReader(a, b io.Reader) bool {
	if a == nil || b == nil || reflect.TypeOf(a) != reflect.TypeOf(b) || !reflect.TypeOf(a).Comparable() {
		return false
	}
	return a == b
}

func prefixID(p *cmis.ContentInfo) string {
	if p == nil {
		return ""
	}
	return p.ID
}

// released removes content streams a write stopped referencing: after
// the commit of the request's write, or now when the caller's own
// transaction has committed.
func (s *DB) released(ctx context.Context, ids ...string) {
	if sc := scopeOf(ctx); sc != nil && sc.write {
		sc.afterCommit = append(sc.afterCommit, func() { s.discard(ctx, ids...) })
		return
	}
	s.discard(ctx, ids...)
}
