package storage

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"

	"github.com/cmisd/cmisd/cmis"
	"github.com/jmoiron/sqlx"
)

// Bulk loading: many new objects, fast (cmisd-gen's synthetic stores).
//
// Each object gets exactly the rows CreateObject writes (objects,
// containment, object_properties, acl_entries, change_log and the
// full-text row), written by the same functions, but many objects share a
// transaction (about BatchRows rows), statements are prepared once per
// transaction, and the ACL an object inherits is worked out in memory
// from its folder's instead of copied row by row: a million documents
// load in minutes instead of hours.

// BulkOptions configure BulkCreate.
type BulkOptions struct {
	RepositoryID string
	// BatchRows is how many rows one transaction writes (about); 100,000
	// when 0. At a million documents, 100,000-row transactions load twice
	// as fast as 10,000-row ones and write half as much: each commit
	// rewrites the index pages the random ids touch.
	BatchRows int
	// OnCommit, if set, is called after each committed transaction.
	OnCommit func()
}

// BulkCreateFunc creates an object as CreateObject does with the same
// arguments (and sets o.ID, and o.Path for a folder), minus what a bulk
// load does without: content, policies, secondary types and relationship
// ends are refused.
type BulkCreateFunc func(o *cmis.Object, parentID string, add, remove []cmis.ACE) error

// BulkCreate calls fill with a function that creates objects, committing
// every BatchRows rows and at the end; an error rolls back the objects
// not yet committed. The load holds the store's single writer throughout,
// so fill must not write through the store meanwhile (reads are fine).
func (s *DB) BulkCreate(ctx context.Context, opt BulkOptions, fill func(create BulkCreateFunc) error) (err error) {
	if opt.BatchRows <= 0 {
		opt.BatchRows = 100000
	}
	conn, err := s.wdb.Connx(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	restore, err := s.dialect.bulkSession(ctx, conn)
	if err != nil {
		return err
	}
	defer restore()
	b := &bulkLoad{s: s, ctx: ctx, conn: conn, opt: opt, folders: map[string]bulkFolder{}, searched: map[string]bool{}}
	if err := b.begin(); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			b.tx.rollback()
		}
	}()
	if err := fill(b.create); err != nil {
		return fmt.Errorf("bulk load: %w", err)
	}
	return b.commit()
}

// bulkFolder is what the objects created in a folder take from it.
type bulkFolder struct {
	path string
	acl  []cmis.ACE
	// aclID is the folder's ACL id, when known (aclKnown): read with the
	// folder, or its parent's for a folder created here with its
	// parent's ACL as it is.
	aclID    sql.NullInt64
	aclKnown bool
}

type bulkLoad struct {
	s       *DB
	ctx     context.Context
	conn    *sqlx.Conn
	opt     BulkOptions
	tx      bulkWriter
	folders map[string]bulkFolder // by id: those created here, and parents read
	// searched is textSearched of each type met, for the whole load.
	searched map[string]bool
}

func (b *bulkLoad) begin() error {
	if err := b.ctx.Err(); err != nil {
		return err
	}
	tx, err := b.conn.BeginTxx(b.ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	b.tx = b.s.dialect.bulkWriter(tx)
	return nil
}

func (b *bulkLoad) commit() error {
	if err := b.tx.commit(b.ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if b.opt.OnCommit != nil {
		b.opt.OnCommit()
	}
	return nil
}

// folder returns a parent's path, ACL and ACL id, read from the store
// the first time a folder not created in this load is used (its ACL id
// the first time one created with an ACL of its own is).
func (b *bulkLoad) folder(id string) (bulkFolder, error) {
	f, ok := b.folders[id]
	if ok && f.aclKnown {
		return f, nil
	}
	if err := b.tx.flush(b.ctx); err != nil {
		return bulkFolder{}, err
	}
	if !ok {
		path, err := requireFolder(b.ctx, b.tx.reader(), b.opt.RepositoryID, id)
		if err != nil {
			return bulkFolder{}, err
		}
		if f.acl, err = loadACL(b.ctx, b.tx.reader(), id); err != nil {
			return bulkFolder{}, err
		}
		f.path = path
	}
	if err := b.tx.reader().GetContext(b.ctx, &f.aclID, `SELECT acl_id FROM objects WHERE id = ?`, id); err != nil {
		return bulkFolder{}, fmt.Errorf("ACL id of folder %s: %w", id, err)
	}
	f.aclKnown = true
	b.folders[id] = f
	return f, nil
}

func (b *bulkLoad) create(o *cmis.Object, parentID string, add, remove []cmis.ACE) error {
	switch {
	case o.RepositoryID != b.opt.RepositoryID:
		return fmt.Errorf("object %q: not of repository %s", o.Name, b.opt.RepositoryID)
	case len(o.Policies) > 0 || len(o.SecondaryTypeIDs) > 0 || o.SourceID != "" || o.TargetID != "":
		return fmt.Errorf("object %q: policies, secondary types and relationships are not bulk loaded", o.Name)
	case parentID == "":
		return fmt.Errorf("object %q: bulk loaded objects are filed", o.Name)
	}
	parent, err := b.folder(parentID)
	if err != nil {
		return err
	}
	o.ID = newID()
	var path any
	if o.BaseTypeID == cmis.BaseFolder {
		o.Path = joinPath(parent.path, o.Name)
		path = o.Path
	}
	ctx, tx, now := b.ctx, b.tx, b.s.now().UnixMilli()
	// An object whose ACEs name its folder's principals takes its
	// folder's ACL id (insertObject). One statement text either way:
	// batches go out in the order their statements were first used.
	acl := childACL(parent.acl, add, remove)
	inherits := samePrincipals(acl, parent.acl)
	aclID := fragment{sql: "?", args: []any{sql.NullInt64{}}}
	if inherits {
		aclID.args[0] = parent.aclID
	}
	if err := b.s.insertObject(ctx, tx, o, path, nil, aclID, now); err != nil {
		return err
	}
	if err := b.s.fileNew(ctx, tx, parentID, o, aclID, now); err != nil {
		return err
	}
	for _, a := range acl {
		if err := insertACE(ctx, tx, o.ID, a); err != nil {
			return err
		}
	}
	if err := insertProperties(ctx, tx, o.ID, o.Properties); err != nil {
		return err
	}
	if err := logCreated(ctx, tx, now, o); err != nil {
		return err
	}
	if err := b.index(o); err != nil {
		return err
	}
	if o.BaseTypeID == cmis.BaseFolder {
		b.folders[o.ID] = bulkFolder{path: o.Path, acl: acl, aclID: parent.aclID, aclKnown: inherits}
	}
	if b.tx.rows() < b.opt.BatchRows {
		return nil
	}
	if err := b.commit(); err != nil {
		return err
	}
	return b.begin()
}

// index makes a new object's full-text row as indexNew does (none for an
// object no CONTAINS reaches), asking the type cache once per type.
func (b *bulkLoad) index(o *cmis.Object) error {
	if !b.s.FullText() {
		return nil
	}
	searched, ok := b.searched[o.TypeID]
	if !ok {
		var err error
		if searched, err = b.s.textSearched(b.ctx, o.RepositoryID, o.TypeID); err != nil {
			return err
		}
		b.searched[o.TypeID] = searched
	}
	if !searched {
		return nil
	}
	return b.s.dialect.addRow(b.ctx, b.tx, o.ID, propsText(o.Name, o.Description, stringValues(o.Properties)), "")
}

// childACL is the ACL CreateObject gives an object filed in a folder with
// the ACL parent: the parent's entries as inherited ones (inheritACL),
// then changeACL's removals and additions (additions direct; an entry
// already there becomes direct).
func childACL(parent []cmis.ACE, add, remove []cmis.ACE) []cmis.ACE {
	out := make([]cmis.ACE, 0, len(parent)+len(add))
	for _, e := range parent {
		e.Direct = false
		out = append(out, e)
	}
	for _, r := range remove {
		kept := out[:0]
		for _, e := range out {
			if e.Principal != r.Principal || e.Permission != r.Permission {
				kept = append(kept, e)
			}
		}
		out = kept
	}
	for _, a := range add {
		found := false
		for i := range out {
			if out[i].Principal == a.Principal && out[i].Permission == a.Permission {
				out[i].Direct, found = true, true
			}
		}
		if !found {
			out = append(out, cmis.ACE{Principal: a.Principal, Permission: a.Permission, Direct: true})
		}
	}
	return out
}

// samePrincipals tells whether two ACLs name the same principals (and so
// have the same ACL id).
func samePrincipals(a, b []cmis.ACE) bool {
	in := func(p string, acl []cmis.ACE) bool {
		return slices.ContainsFunc(acl, func(e cmis.ACE) bool { return e.Principal == p })
	}
	for _, e := range a {
		if !in(e.Principal, b) {
			return false
		}
	}
	for _, e := range b {
		if !in(e.Principal, a) {
			return false
		}
	}
	return true
}

// stringValues are the string values of properties in indexProps' order:
// by property id, then position.
func stringValues(props map[string][]cmis.Value) []string {
	ids := make([]string, 0, len(props))
	for id := range props {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var out []string
	for _, id := range ids {
		for _, v := range props[id] {
			if s, ok := v.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

// bulkWriter is a bulk load's transaction as the dialect writes it.
type bulkWriter interface {
	execer
	// reader reads in the transaction, after flush.
	reader() *sqlx.Tx
	// flush writes what the writer holds back.
	flush(ctx context.Context) error
	// rows is how many rows were written (or held back) so far.
	rows() int
	commit(ctx context.Context) error
	rollback()
}

// preparedTx is a transaction that prepares each statement the first time
// it runs and counts the statements run.
type preparedTx struct {
	*sqlx.Tx
	stmts map[string]*sqlx.Stmt
	n     int
}

func newPreparedTx(tx *sqlx.Tx) *preparedTx {
	return &preparedTx{Tx: tx, stmts: map[string]*sqlx.Stmt{}}
}

func (p *preparedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, ok := p.stmts[query]
	if !ok {
		var err error
		if st, err = p.Tx.PreparexContext(ctx, query); err != nil {
			return nil, err
		}
		p.stmts[query] = st
	}
	p.n++
	return st.ExecContext(ctx, args...)
}

func (p *preparedTx) reader() *sqlx.Tx            { return p.Tx }
func (p *preparedTx) flush(context.Context) error { return nil }
func (p *preparedTx) rows() int                   { return p.n }

func (p *preparedTx) closeStmts() {
	for _, st := range p.stmts {
		st.Close()
	}
	p.stmts = nil
}

func (p *preparedTx) commit(context.Context) error {
	p.closeStmts()
	return p.Tx.Commit()
}

func (p *preparedTx) rollback() {
	p.closeStmts()
	_ = p.Tx.Rollback()
}
