package storage

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/cmisd/cmisd/cmis"
	"github.com/jmoiron/sqlx"
)

// Synthetic data for benchmarks and load tests.
//
// GenerateSynthetic fills a repository with a large, regular tree of
// documents, writing exactly the rows CreateObject writes for each object
// (objects, containment, object_properties, acl_entries, change_log and
// the full-text row) but many objects per transaction (about 100,000 rows)
// through prepared statements, so that a million documents load in a few
// minutes instead of hours.
//
// The shape, for folders = F leaf folders and docsPerFolder = D:
//
//	/bench                         one folder under the root
//	/bench/t00 … /bench/tNN        ceil(F / 1,000) top folders
//	/bench/tNN/f00000 … f09999     the F leaf folders, 1,000 per top folder
//	                               (the last top folder may hold fewer), so
//	                               IN_TREE on a top folder covers a subtree of
//	                               1,001 folders and 1,000·D documents
//	…/fNNNNN/dNNNNN-NNNN           D bench:doc documents in each leaf folder
//
// Leaf folders are numbered across the whole tree (f00000 is the first of
// t00, f01000 the first of t01) and so are documents (dLLLLL-NNNN is document
// NNNN of leaf folder LLLLL). With the defaults of cmisd-gen (F = 10,000,
// D = 100) that is 1,000,000 documents in 10,011 folders.
//
// Documents are of type bench:doc, a subtype of cmis:document created if
// missing, with two custom properties:
//
//	bench:code  string   "C-LLLLLL-RRRR": the leaf folder's number and a
//	                     random 4-digit suffix, so values are nearly unique
//	                     (about one repeat per 200 documents)
//	bench:n     integer  uniform in [0, 1000): about 1,000 documents per value
//
// Their cmis:description is six words drawn from a fixed vocabulary of 62
// (SyntheticVocabulary, each word in about 9% of the documents), and one
// document in every 10,000 (number i with i % 10,000 == 0) also carries
// the rare word SyntheticRareWord: 100 documents of a million. The full-text
// row holds name, description and bench:code as CreateObject indexes them.
// Documents have no content stream.
//
// Permissions, as a client would set them: everything is created by the
// creator ("admin" by default), who gets cmis:all on each object as
// createDocument and createFolder give it. Each top folder tNN is created with
// the ACE (bench-gK, cmis:read) added, K = NN % 2, and (anyone, cmis:read)
// removed, and everything below it inherits that: a reader in group
// bench-g0 and not in bench-g1 sees the even top folders' subtrees, half of
// the documents.
const (
	SyntheticTypeID       = "bench:doc"
	SyntheticCodeProperty = "bench:code"
	SyntheticNProperty    = "bench:n"
	SyntheticRoot         = "bench"
	SyntheticFanout       = 1000
	SyntheticRareWord     = "quokka"
	SyntheticRareEvery    = 10000
	SyntheticGroupPrefix  = "bench-g"
)

// SyntheticVocabulary is the common words of the documents' descriptions.
var SyntheticVocabulary = strings.Fields(`amber basin cedar delta ember falcon garnet harbor
	indigo juniper kestrel lagoon meadow nectar orchid pebble quartz raven saffron timber
	umber violet willow xenon yarrow zenith anchor beacon canyon dune estuary fjord glacier
	hollow island jetty knoll ledge mesa nook oasis prairie quay ridge summit tundra upland
	valley wharf atlas bramble copper drift fable grove harvest ivory jasper kernel lantern
	marble nimbus`)

// SyntheticOptions configure GenerateSyntheticWith.
type SyntheticOptions struct {
	RepositoryID  string
	Folders       int   // leaf folders
	DocsPerFolder int   // documents in each leaf folder
	Seed          int64 // property values and words
	// Creator is the user the objects are created by; cmis.AdminUser
	// when empty.
	Creator string
	// BatchRows is how many rows one transaction writes (about); 100,000
	// when 0. At a million documents, 100,000-row transactions load twice
	// as fast as 10,000-row ones (3 instead of 7 minutes) and write half
	// as much: each commit rewrites the index pages the random ids touch.
	BatchRows int
	// Progress, if set, is called after each committed transaction.
	Progress func(SyntheticProgress)
}

// SyntheticProgress is how far a generation is.
type SyntheticProgress struct {
	Folders, Documents           int // written so far (leaf folders, documents)
	TotalFolders, TotalDocuments int
	Elapsed                      time.Duration
}

// GenerateSynthetic writes the synthetic tree described above into a
// repository: folders leaf folders of docsPerFolder documents each.
func (s *DB) GenerateSynthetic(ctx context.Context, repositoryID string, folders, docsPerFolder int, seed int64) error {
	return s.GenerateSyntheticWith(ctx, SyntheticOptions{RepositoryID: repositoryID, Folders: folders,
		DocsPerFolder: docsPerFolder, Seed: seed})
}

// aclRow is one acl_entries row of an object being generated.
type aclRow struct {
	principal, permission string
	level                 int
	direct                bool
}

// childACL is what CreateObject gives a new object filed in a folder with
// the ACL parent: the parent's entries as inherited ones (inheritACL),
// then changeACL's removals and additions (additions direct; an entry
// already there becomes direct).
func childACL(parent []aclRow, add, remove []cmis.ACE) []aclRow {
	out := make([]aclRow, 0, len(parent)+len(add))
	for _, e := range parent {
		e.direct = false
		out = append(out, e)
	}
	for _, r := range remove {
		kept := out[:0]
		for _, e := range out {
			if e.principal != r.Principal || e.permission != r.Permission {
				kept = append(kept, e)
			}
		}
		out = kept
	}
	for _, a := range add {
		found := false
		for i := range out {
			if out[i].principal == a.Principal && out[i].permission == a.Permission {
				out[i].direct, found = true, true
			}
		}
		if !found {
			out = append(out, aclRow{a.Principal, a.Permission, int(cmis.PermissionLevel(a.Permission)), true})
		}
	}
	return out
}

// syntheticType is bench:doc as createType stores it.
func syntheticType() *cmis.TypeDefinition {
	prop := func(id string, t cmis.PropertyType) cmis.PropertyDefinition {
		return cmis.PropertyDefinition{ID: id, LocalName: id, QueryName: id, DisplayName: id, PropertyType: t,
			Cardinality: cmis.Single, Updatability: cmis.ReadWrite, Queryable: true, Orderable: true}
	}
	return &cmis.TypeDefinition{
		ID: SyntheticTypeID, LocalName: SyntheticTypeID, QueryName: SyntheticTypeID, DisplayName: "Benchmark document",
		Description: "synthetic documents for benchmarks (cmisd-gen)", BaseID: cmis.BaseDocument, ParentID: string(cmis.BaseDocument),
		Creatable: true, Fileable: true, Queryable: true, FulltextIndexed: true, IncludedInSupertypeQuery: true,
		ControllablePolicy: true, ControllableACL: true, Versionable: true, ContentStreamAllowed: cmis.ContentAllowed,
		TypeMutability: cmis.TypeMutability{Create: true, Update: true, Delete: true},
		PropertyDefinitions: []cmis.PropertyDefinition{
			prop(SyntheticCodeProperty, cmis.PropertyString),
			prop(SyntheticNProperty, cmis.PropertyInteger),
		},
	}
}

// ensureSyntheticType creates bench:doc unless the repository has it.
func (s *DB) ensureSyntheticType(ctx context.Context, repo string) error {
	t, err := s.Type(ctx, repo, SyntheticTypeID)
	if cmis.ErrorTypeOf(err) == cmis.ErrObjectNotFound {
		_, err = s.CreateType(ctx, repo, syntheticType())
		return err
	}
	if err != nil {
		return err
	}
	for _, p := range []string{SyntheticCodeProperty, SyntheticNProperty} {
		if t.Property(p) == nil {
			return fmt.Errorf("type %s exists without property %s", SyntheticTypeID, p)
		}
	}
	return nil
}

// synthWriter writes objects through prepared statements, committing a
// transaction every batchRows rows.
type synthWriter struct {
	ctx       context.Context
	conn      *sqlx.Conn
	tx        *sqlx.Tx
	stmts     map[string]*sqlx.Stmt
	rows      int
	batchRows int
	now       func() time.Time
	stamp     int64 // the transaction's time, as CreateObject's s.now()
	repo      string
	creator   string
	onCommit  func()
}

var synthSQL = map[string]string{
	"object": `INSERT INTO objects (id, repository_id, type_id, base_type_id, name, description,
		created_by, creation_date, last_modified_by, last_modification_date, change_token, path,
		version_series_id, version_label, is_major_version, is_latest_version, is_latest_major, is_pwc,
		checkin_comment, content_id, source_id, target_id, policy_text)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, NULL, NULL)`,
	"containment": `INSERT INTO containment (parent_id, child_id, name) VALUES (?, ?, ?)`,
	"property": `INSERT INTO object_properties (object_id, property_id, position, property_type,
		value_text, value_int, value_real) VALUES (?, ?, 0, ?, ?, ?, NULL)`,
	"acl":          `INSERT INTO acl_entries (object_id, principal_id, permission, level, direct) VALUES (?, ?, ?, ?, ?)`,
	"change":       `INSERT INTO change_log (repository_id, object_id, change_type, change_time, type_id, base_type_id) VALUES (?, ?, ?, ?, ?, ?)`,
	"fulltext":     `INSERT INTO fulltext (rowid, object_id, props, body) VALUES (?, ?, ?, '')`,
	"fulltext_row": `INSERT INTO fulltext_rows (object_id) VALUES (?)`,
}

func (w *synthWriter) begin() error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	tx, err := w.conn.BeginTxx(w.ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	w.tx, w.rows, w.stamp = tx, 0, w.now().UnixMilli()
	w.stmts = map[string]*sqlx.Stmt{}
	for k, q := range synthSQL {
		if (k == "fulltext" || k == "fulltext_row") && !fullTextBuilt {
			continue
		}
		st, err := tx.PreparexContext(w.ctx, q)
		if err != nil {
			w.rollback()
			return fmt.Errorf("prepare %s: %w", k, err)
		}
		w.stmts[k] = st
	}
	return nil
}

func (w *synthWriter) closeStmts() {
	for _, st := range w.stmts {
		st.Close()
	}
	w.stmts = nil
}

func (w *synthWriter) rollback() {
	if w.tx != nil {
		w.closeStmts()
		_ = w.tx.Rollback()
		w.tx = nil
	}
}

func (w *synthWriter) commit() error {
	w.closeStmts()
	err := w.tx.Commit()
	w.tx = nil
	if err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if w.onCommit != nil {
		w.onCommit()
	}
	return nil
}

// exec runs one prepared insert and counts its row.
func (w *synthWriter) exec(stmt string, args ...any) error {
	if _, err := w.stmts[stmt].ExecContext(w.ctx, args...); err != nil {
		return fmt.Errorf("%s: %w", stmt, err)
	}
	w.rows++
	return nil
}

// maybeCommit ends the transaction when it is full and starts the next.
func (w *synthWriter) maybeCommit() error {
	if w.rows < w.batchRows {
		return nil
	}
	if err := w.commit(); err != nil {
		return err
	}
	return w.begin()
}

// synthObject is one object to write.
type synthObject struct {
	id, typeID  string
	base        cmis.BaseTypeID
	name        string
	description any // string or nil
	path        any // string or nil
	parentID    string
	acl         []aclRow
	code        string
	n           int64
}

// write inserts an object's rows in the order and with the values
// CreateObject gives them.
func (w *synthWriter) write(o *synthObject) error {
	var series, label, major, latest, latestMajor, pwc any
	if o.base == cmis.BaseDocument {
		series, label, major, latest, latestMajor, pwc = newID(), "1.0", 1, 1, 1, 0
	}
	if err := w.exec("object", o.id, w.repo, o.typeID, string(o.base), o.name, o.description,
		w.creator, w.stamp, w.creator, w.stamp, o.path, series, label, major, latest, latestMajor, pwc); err != nil {
		return err
	}
	if err := w.exec("containment", o.parentID, o.id, o.name); err != nil {
		return err
	}
	for _, e := range o.acl {
		if err := w.exec("acl", o.id, e.principal, e.permission, e.level, b2i(e.direct)); err != nil {
			return err
		}
	}
	// Properties in insertProperties' order (by id): bench:code, bench:n.
	text := []string{o.name}
	if d, ok := o.description.(string); ok {
		text = append(text, d)
	}
	if o.base == cmis.BaseDocument {
		if err := w.exec("property", o.id, SyntheticCodeProperty, cmis.PropertyString, o.code, nil); err != nil {
			return err
		}
		if err := w.exec("property", o.id, SyntheticNProperty, cmis.PropertyInteger, nil, o.n); err != nil {
			return err
		}
		text = append(text, o.code)
	}
	if err := w.exec("change", w.repo, o.id, changeCreated, w.stamp, o.typeID, string(o.base)); err != nil {
		return err
	}
	if fullTextBuilt {
		// As ftsRow does: the object's rowid in fulltext_rows keys its row.
		res, err := w.stmts["fulltext_row"].ExecContext(w.ctx, o.id)
		if err != nil {
			return fmt.Errorf("fulltext_row: %w", err)
		}
		row, err := res.LastInsertId()
		if err != nil {
			return err
		}
		if err := w.exec("fulltext", row, o.id, strings.Join(text, "\n")); err != nil {
			return err
		}
	}
	return nil
}

// GenerateSyntheticWith is GenerateSynthetic with options.
func (s *DB) GenerateSyntheticWith(ctx context.Context, opt SyntheticOptions) (err error) {
	if opt.Folders < 1 || opt.DocsPerFolder < 0 {
		return fmt.Errorf("synthetic: need at least one folder and no negative document count")
	}
	if opt.Folders > 1_000_000 || opt.DocsPerFolder > 10_000 {
		return fmt.Errorf("synthetic: at most 1,000,000 folders of 10,000 documents")
	}
	if opt.Creator == "" {
		opt.Creator = cmis.AdminUser
	}
	if opt.BatchRows <= 0 {
		opt.BatchRows = 100000
	}
	repo := opt.RepositoryID
	info, err := s.Repository(ctx, repo)
	if err != nil {
		return err
	}
	if err := s.ensureSyntheticType(ctx, repo); err != nil {
		return fmt.Errorf("synthetic: %w", err)
	}
	var n int
	if err := s.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM objects WHERE repository_id = ? AND path = ?`, repo, "/"+SyntheticRoot); err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("synthetic: /%s exists in repository %s: the store already holds synthetic data", SyntheticRoot, repo)
	}
	var rootACL []aclRow
	rows, err := s.db.QueryxContext(ctx, `SELECT principal_id, permission, level, direct FROM acl_entries WHERE object_id = ?`, info.RootFolderID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var e aclRow
		if err := rows.Scan(&e.principal, &e.permission, &e.level, &e.direct); err != nil {
			rows.Close()
			return err
		}
		rootACL = append(rootACL, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	// One connection of the write pool for the whole run, with a page cache
	// large enough for the random inserts into the id indexes.
	conn, err := s.wdb.Connx(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var cache int64
	if err := conn.GetContext(ctx, &cache, `PRAGMA cache_size`); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA cache_size = -1048576`); err != nil { // 1 GiB
		return err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf(`PRAGMA cache_size = %d`, cache))

	total := SyntheticProgress{TotalFolders: opt.Folders, TotalDocuments: opt.Folders * opt.DocsPerFolder}
	start := time.Now()
	w := &synthWriter{ctx: ctx, conn: conn, batchRows: opt.BatchRows, now: s.now, repo: repo, creator: opt.Creator}
	done := total
	w.onCommit = func() {
		if opt.Progress != nil {
			done.Elapsed = time.Since(start)
			opt.Progress(done)
		}
	}
	done.Folders, done.Documents = 0, 0
	if err := w.begin(); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			w.rollback()
		}
	}()

	rng := rand.New(rand.NewPCG(uint64(opt.Seed), 0x5eed_c0de_cafe_f00d))
	creatorAll := []cmis.ACE{{Principal: opt.Creator, Permission: cmis.PermAll, Direct: true}}
	folder := func(parentID string, parentACL []aclRow, parentPath, name string, add, remove []cmis.ACE) (*synthObject, error) {
		f := &synthObject{id: newID(), typeID: string(cmis.BaseFolder), base: cmis.BaseFolder, name: name,
			path: joinPath(parentPath, name), parentID: parentID, acl: childACL(parentACL, append(creatorAll, add...), remove)}
		return f, w.write(f)
	}
	benchRoot, err := folder(info.RootFolderID, rootACL, "/", SyntheticRoot, nil, nil)
	if err != nil {
		return fmt.Errorf("synthetic: %w", err)
	}
	doc := 0
	for leaf := 0; leaf < opt.Folders; {
		top := leaf / SyntheticFanout
		topName := fmt.Sprintf("t%02d", top)
		group := fmt.Sprintf("%s%d", SyntheticGroupPrefix, top%2)
		t, err := folder(benchRoot.id, benchRoot.acl, benchRoot.path.(string), topName,
			[]cmis.ACE{{Principal: group, Permission: cmis.PermRead, Direct: true}},
			[]cmis.ACE{{Principal: cmis.PrincipalAnyone, Permission: cmis.PermRead}})
		if err != nil {
			return fmt.Errorf("synthetic: %w", err)
		}
		for ; leaf < opt.Folders && leaf/SyntheticFanout == top; leaf++ {
			f, err := folder(t.id, t.acl, t.path.(string), fmt.Sprintf("f%05d", leaf), nil, nil)
			if err != nil {
				return fmt.Errorf("synthetic: %w", err)
			}
			docACL := childACL(f.acl, creatorAll, nil)
			words := make([]string, 0, 7)
			for i := 0; i < opt.DocsPerFolder; i++ {
				words = words[:0]
				for range 6 {
					words = append(words, SyntheticVocabulary[rng.IntN(len(SyntheticVocabulary))])
				}
				if doc%SyntheticRareEvery == 0 {
					words = append(words, SyntheticRareWord)
				}
				d := &synthObject{id: newID(), typeID: SyntheticTypeID, base: cmis.BaseDocument,
					name: fmt.Sprintf("d%05d-%04d", leaf, i), description: strings.Join(words, " "),
					parentID: f.id, acl: docACL,
					code: fmt.Sprintf("C-%06d-%04d", leaf, rng.IntN(10000)), n: int64(rng.IntN(1000))}
				if err := w.write(d); err != nil {
					return fmt.Errorf("synthetic: %w", err)
				}
				doc++
				done.Documents = doc
				if err := w.maybeCommit(); err != nil {
					return fmt.Errorf("synthetic: %w", err)
				}
			}
			done.Folders = leaf + 1
		}
	}
	return w.commit()
}
