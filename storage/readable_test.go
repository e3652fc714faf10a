package storage

import (
	"context"
	"reflect"
	"testing"

	"github.com/cmisd/cmisd/cmis"
)

// ObjectAs answers the object and the reader's level as Object and
// Levels do: in a read scope (the level a column of the object's row), in
// a write (the level read after the lock) and outside any scope; and by
// path as by id; ContentAs the same level and content.
func TestObjectAsLevels(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	a := mustCreate(t, db, folder(repo, "a"), repo.RootFolderID, nil)
	d := mustCreate(t, db, document(repo, "d.txt"), a.ID, stream("hello"))
	if _, err := db.ApplyACL(ctx, repo.ID, d.ID, []cmis.ACE{{Principal: "bob", Permission: cmis.PermWrite},
		{Principal: "staff", Permission: cmis.PermAll}}, nil, false, "admin"); err != nil {
		t.Fatal(err)
	}
	readers := []struct {
		name   string
		reader *cmis.Access
		want   cmis.Level
	}{
		{"admin", &cmis.Access{Admin: true}, cmis.CanAll},
		{"bob", &cmis.Access{Principals: []string{"bob", cmis.PrincipalAnyone}}, cmis.CanWrite},
		{"bob in staff", &cmis.Access{Principals: []string{"bob", "staff", cmis.PrincipalAnyone}}, cmis.CanAll},
		{"anyone", &cmis.Access{Principals: []string{cmis.PrincipalAnyone}}, cmis.CanRead}, // inherited from the root
		{"carol", &cmis.Access{Principals: []string{"carol"}}, cmis.NoAccess},
		{"no principal", &cmis.Access{}, cmis.NoAccess},
	}
	scopes := []struct {
		name string
		run  func(fn func(ctx context.Context) error) error
	}{
		{"read", func(fn func(context.Context) error) error { return db.Read(ctx, fn) }},
		{"write", func(fn func(context.Context) error) error { return db.Write(ctx, fn) }},
		{"none", func(fn func(context.Context) error) error { return fn(ctx) }},
	}
	for _, sc := range scopes {
		for _, r := range readers {
			err := sc.run(func(ctx context.Context) error {
				o, l, err := db.ObjectAs(ctx, repo.ID, d.ID, r.reader)
				if err != nil || o.ID != d.ID || o.Name != "d.txt" || l != r.want {
					t.Errorf("%s, %s: ObjectAs = %v, %v, %v; want level %v", sc.name, r.name, o, l, err, r.want)
				}
				c, l, err := db.ContentAs(ctx, repo.ID, d.ID, r.reader)
				if err != nil || c.ID != d.ID || c.Content == nil || *c.Content != *d.Content || l != r.want {
					t.Errorf("%s, %s: ContentAs = %v, %v, %v; want level %v", sc.name, r.name, c, l, err, r.want)
				}
				o, l, err = db.ObjectByPathAs(ctx, repo.ID, "/a/d.txt", r.reader)
				if err != nil || o.ID != d.ID || l != r.want {
					t.Errorf("%s, %s: ObjectByPathAs = %v, %v, %v; want level %v", sc.name, r.name, o, l, err, r.want)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		err := sc.run(func(ctx context.Context) error {
			if _, _, err := db.ObjectAs(ctx, repo.ID, "nope", readers[1].reader); cmis.ErrorTypeOf(err) != cmis.ErrObjectNotFound {
				t.Errorf("%s: ObjectAs of no object: %v", sc.name, err)
			}
			if _, _, err := db.ContentAs(ctx, repo.ID, "nope", readers[1].reader); cmis.ErrorTypeOf(err) != cmis.ErrObjectNotFound {
				t.Errorf("%s: ContentAs of no object: %v", sc.name, err)
			}
			if _, _, err := db.ObjectByPathAs(ctx, repo.ID, "/a/nope", readers[1].reader); cmis.ErrorTypeOf(err) != cmis.ErrObjectNotFound {
				t.Errorf("%s: ObjectByPathAs of no object: %v", sc.name, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// ContentAs reads what ObjectAs reads of an object's types and content,
// whatever the object: content named apart from the document or after
// it, none, a folder.
func TestContentAsColumns(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	named := stream("x")
	named.FileName = "same.txt"
	objects := []*cmis.Object{
		mustCreate(t, db, document(repo, "d.txt"), repo.RootFolderID, stream("hello")),
		mustCreate(t, db, document(repo, "same.txt"), repo.RootFolderID, named),
		mustCreate(t, db, document(repo, "empty.txt"), repo.RootFolderID, nil),
		mustCreate(t, db, folder(repo, "f"), repo.RootFolderID, nil),
	}
	bob := &cmis.Access{Principals: []string{"bob", cmis.PrincipalAnyone}}
	err := db.Read(ctx, func(ctx context.Context) error {
		for _, x := range objects {
			want, wl, err := db.ObjectAs(ctx, repo.ID, x.ID, bob)
			if err != nil {
				return err
			}
			got, gl, err := db.ContentAs(ctx, repo.ID, x.ID, bob)
			if err != nil {
				return err
			}
			if got.ID != want.ID || got.RepositoryID != want.RepositoryID || got.BaseTypeID != want.BaseTypeID ||
				got.TypeID != want.TypeID || !reflect.DeepEqual(got.Content, want.Content) || gl != wl {
				t.Errorf("%s: ContentAs = %+v %+v, %v; ObjectAs = %+v %+v, %v", x.Name, got, got.Content, gl, want, want.Content, wl)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
