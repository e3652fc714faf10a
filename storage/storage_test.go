package storage

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/filecontent"
	"github.com/cmisd/cmisd/internal/pgtest"
	"github.com/cmisd/cmisd/internal/testenv"
)

func openTest(t *testing.T) (*DB, *cmis.RepositoryInfo) {
	t.Helper()
	return openIn(t, t.TempDir(), nil)
}

// openIn opens the store in dir with content in content, or as files in
// dir/content when content is nil, and makes its repository.
func openIn(t *testing.T, dir string, content cmis.ContentStore) (*DB, *cmis.RepositoryInfo) {
	t.Helper()
	ctx := context.Background()
	db := openStore(t, dir, content)
	repo, err := db.EnsureRepository(ctx, "default", "Test", "test repository", "admin")
	if err != nil {
		t.Fatal(err)
	}
	return db, repo
}

// openStore opens (creating if needed) the store in dir, on the engine
// the tests run on (internal/pgtest), closed when the test ends.
func openStore(t testing.TB, dir string, content cmis.ContentStore) *DB {
	t.Helper()
	db, err := Open(context.Background(), pgtest.StoreDB(t, dir), dir, fileContent(t, dir, content), Options{SweepGrace: DefaultSweepGrace})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// fileContent is content, or the file store in dir/content.
func fileContent(t testing.TB, dir string, content cmis.ContentStore) cmis.ContentStore {
	t.Helper()
	if content != nil {
		return content
	}
	fc, err := filecontent.Open(filepath.Join(dir, "content"))
	if err != nil {
		t.Fatal(err)
	}
	return fc
}

func TestEnsureRepositoryIsIdempotent(t *testing.T) {
	db, repo := openTest(t)
	again, err := db.EnsureRepository(context.Background(), "default", "Other", "", "admin")
	if err != nil {
		t.Fatal(err)
	}
	if again.RootFolderID != repo.RootFolderID || again.Name != "Test" {
		t.Fatalf("second EnsureRepository changed the repository: %+v vs %+v", again, repo)
	}
	base, total, err := db.TypeChildren(context.Background(), "default", "", cmis.Page{MaxItems: -1})
	if err != nil {
		t.Fatal(err)
	}
	if total != 6 || len(base) != 6 || base[0].ID != "cmis:document" || base[5].ID != "cmis:secondary" {
		t.Fatalf("base types: total %d, %v", total, base)
	}
	if base[0].Property(cmis.PropName) == nil || base[0].Property(cmis.PropName).Inherited {
		t.Fatalf("cmis:document lacks its own cmis:name")
	}
}

func TestMigrationsRunOnce(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir()
	for i := 0; i < 2; i++ {
		db, err := Open(ctx, pgtest.StoreDB(t, path), path, fileContent(t, path, nil), Options{})
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		var n int
		if err := db.db.Get(&n, `SELECT COUNT(*) FROM schema_migrations`); err != nil {
			t.Fatal(err)
		}
		files, _ := migrations.ReadDir(db.dialect.migrationsDir())
		if n != len(files) || n < 5 {
			t.Fatalf("open %d: %d migrations recorded, %d files", i, n, len(files))
		}
		db.Close()
	}
}

func TestTypeLifecycle(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	maxLen := int64(100)
	var minV cmis.Value = int64(-5)
	open := true
	def := &cmis.TypeDefinition{
		ID: "acme:invoice", LocalName: "invoice", QueryName: "acme:invoice", BaseID: cmis.BaseDocument,
		ParentID: "cmis:document", Creatable: true, Fileable: true, Queryable: true,
		ContentStreamAllowed: cmis.ContentAllowed, Versionable: true,
		PropertyDefinitions: []cmis.PropertyDefinition{
			{ID: "acme:title", QueryName: "acme:title", PropertyType: cmis.PropertyString, Cardinality: cmis.Single,
				Updatability: cmis.ReadWrite, MaxLength: &maxLen, DefaultValue: []cmis.Value{"untitled"}, OpenChoice: &open,
				Choices: []cmis.Choice{{DisplayName: "A", Values: []cmis.Value{"a"}}}},
			{ID: "acme:amount", QueryName: "acme:amount", PropertyType: cmis.PropertyInteger, Cardinality: cmis.Multi,
				Updatability: cmis.ReadWrite, MinValue: &minV},
			{ID: "acme:due", QueryName: "acme:due", PropertyType: cmis.PropertyDateTime, Cardinality: cmis.Single,
				Updatability: cmis.ReadWrite, DefaultValue: []cmis.Value{time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC)}},
		},
	}
	got, err := db.CreateType(ctx, "default", def)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(got.PropertyDefinitions); n != 26+3 {
		t.Fatalf("want 26 inherited + 3 own properties, got %d", n)
	}
	title := got.Property("acme:title")
	if title == nil || title.Inherited || *title.MaxLength != 100 || title.DefaultValue[0] != "untitled" || title.Choices[0].Values[0] != "a" || !*title.OpenChoice {
		t.Fatalf("acme:title did not round-trip: %+v", title)
	}
	if v := got.Property("acme:amount").MinValue; v == nil || (*v).(int64) != -5 {
		t.Fatalf("minValue did not round-trip")
	}
	if d := got.Property("acme:due").DefaultValue[0].(time.Time); !d.Equal(time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC)) {
		t.Fatalf("datetime default: %v", d)
	}
	if !got.Property(cmis.PropName).Inherited {
		t.Fatal("cmis:name should be inherited")
	}
	if _, err := db.CreateType(ctx, "default", def); cmis.ErrorTypeOf(err) != cmis.ErrNameConstraintViolation {
		t.Fatalf("duplicate type: %v", err)
	}
	kids, total, err := db.TypeChildren(ctx, "default", "cmis:document", cmis.Page{MaxItems: -1})
	if err != nil || total != 1 || kids[0].ID != "acme:invoice" {
		t.Fatalf("children: %v %d %v", kids, total, err)
	}
	if err := db.DeleteType(ctx, "default", "cmis:document"); cmis.ErrorTypeOf(err) != cmis.ErrConstraint {
		t.Fatalf("deleting a base type: %v", err)
	}
	if err := db.DeleteType(ctx, "default", "acme:invoice"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Type(ctx, "default", "acme:invoice"); cmis.ErrorTypeOf(err) != cmis.ErrObjectNotFound {
		t.Fatalf("deleted type still there: %v", err)
	}
}

func TestDeleteTypeWithObjectsIsConstraint(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	_, err := db.CreateType(ctx, "default", &cmis.TypeDefinition{ID: "acme:box", QueryName: "acme:box",
		BaseID: cmis.BaseFolder, ParentID: "cmis:folder", Creatable: true, Fileable: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.wdb.Exec(`INSERT INTO objects (id, repository_id, type_id, base_type_id, name, created_by,
		creation_date, last_modified_by, last_modification_date) VALUES ('x', 'default', 'acme:box', 'cmis:folder', 'x', 'a', 0, 'a', 0)`); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteType(ctx, "default", "acme:box"); cmis.ErrorTypeOf(err) != cmis.ErrConstraint {
		t.Fatalf("want constraint, got %v", err)
	}
}

func TestAccountsAndGroups(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	steps := []struct {
		name string
		do   func() error
		want cmis.ErrorType // "" = success
	}{
		{"create alice", func() error { return db.CreateAccount(ctx, "alice", "h1") }, ""},
		{"create alice twice", func() error { return db.CreateAccount(ctx, "alice", "h1") }, cmis.ErrNameConstraintViolation},
		{"group named like a user", func() error { return db.CreateGroup(ctx, "alice") }, cmis.ErrNameConstraintViolation},
		{"create group", func() error { return db.CreateGroup(ctx, "staff") }, ""},
		{"add member", func() error { return db.AddGroupMember(ctx, "staff", "alice") }, ""},
		{"add unknown user", func() error { return db.AddGroupMember(ctx, "staff", "bob") }, cmis.ErrObjectNotFound},
		{"change password", func() error { return db.SetPasswordHash(ctx, "alice", "h2") }, ""},
		{"change unknown password", func() error { return db.SetPasswordHash(ctx, "bob", "h2") }, cmis.ErrObjectNotFound},
	}
	for _, s := range steps {
		err := s.do()
		if (s.want == "" && err != nil) || (s.want != "" && cmis.ErrorTypeOf(err) != s.want) {
			t.Fatalf("%s: want %q, got %v", s.name, s.want, err)
		}
	}
	a, err := db.Account(ctx, "alice")
	if err != nil || a.PasswordHash != "h2" || len(a.Groups) != 1 || a.Groups[0] != "staff" {
		t.Fatalf("account: %+v %v", a, err)
	}
	if err := db.DeleteAccount(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	groups, _ := db.Groups(ctx)
	if len(groups) != 1 || len(groups[0].Members) != 0 {
		t.Fatalf("membership should go with the user: %+v", groups)
	}
}

// The shipped SQLite has the query planner stability guarantee: without
// it every statement with a join is compiled again at each new binding;
// and it keeps a savepoint's journal in memory up to 1 MiB (see the
// Makefile).
func TestSQLiteBuild(t *testing.T) {
	dir := t.TempDir()
	db, err := OpenSQLite(context.Background(), dir, fileContent(t, dir, nil)) // whichever engine the tests run on
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var opts []string
	if err := db.db.SelectContext(context.Background(), &opts, `PRAGMA compile_options`); err != nil {
		t.Fatal(err)
	}
	built := slices.Contains(opts, "ENABLE_QPSG") && slices.Contains(opts, "STMTJRNL_SPILL=1048576")
	testenv.Require(t, testenv.SQLiteBuild, built, fmt.Sprintf("compile options %v", opts))
}

// Ready: the database answers and has every migration; one missing is
// not ready. PoolStats names both pools.
func TestReady(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	if err := db.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.wdb.ExecContext(ctx, `DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)`); err != nil {
		t.Fatal(err)
	}
	if err := db.Ready(ctx); err == nil || !strings.Contains(err.Error(), "migrations applied") {
		t.Fatalf("with a migration missing: %v", err)
	}
	// SQLite: one writer beside eight readers; PostgreSQL: one pool.
	want := map[string][2]int{"sqlite": {1, 8}, "postgres": {16, 16}}[db.Kind()]
	if s := db.PoolStats(); s["write"].MaxOpenConnections != want[0] || s["read"].MaxOpenConnections != want[1] {
		t.Fatalf("pool stats %+v", s)
	}
	db.Close()
	if err := db.Ready(ctx); err == nil {
		t.Fatal("a closed database is ready")
	}
}
