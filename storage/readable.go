package storage

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/cmisd/cmisd/cmis"
	"github.com/jmoiron/sqlx"
)

// Nearly every operation starts by loading the object it names and
// checking the caller's access to it. In a read snapshot the two are one
// statement: the reader's level is a column of the object's row (the
// same probe of acl_entries that Levels makes). In a write transaction
// the object is read first and then locked against a change of its ACL
// before its level is read, as Levels does, so that the check holds
// until the write commits.

// ObjectAs returns an object and reader's access level to it.
func (s *DB) ObjectAs(ctx context.Context, repo, id string, reader *cmis.Access) (*cmis.Object, cmis.Level, error) {
	o, l, err := s.objectAs(ctx, reader, `o.id = ? AND o.repository_id = ?`, id, repo)
	if isNoRows(err) {
		err = cmis.Errorf(cmis.ErrObjectNotFound, "object %s not found", id)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("object %s: %w", id, err)
	}
	return o, l, nil
}

// ObjectByPathAs resolves a path as ObjectByPath does and returns
// reader's access level to the object too.
func (s *DB) ObjectByPathAs(ctx context.Context, repo, path string, reader *cmis.Access) (*cmis.Object, cmis.Level, error) {
	if !strings.HasPrefix(path, "/") {
		return nil, 0, cmis.Errorf(cmis.ErrInvalidArgument, "path %q does not start with /", path)
	}
	if len(path) > 1 {
		path = strings.TrimSuffix(path, "/")
	}
	i := strings.LastIndexByte(path, '/')
	parent, name := path[:i], path[i+1:]
	if parent == "" {
		parent = "/"
	}
	// A folder by its path, or else the object of that name in the parent
	// folder (a folder is both, the same object).
	o, l, err := s.objectAs(ctx, reader, `o.id = (
		SELECT f.id FROM objects f WHERE f.repository_id = ? AND f.path = ?
		UNION ALL SELECT c.child_id FROM containment c JOIN objects p ON p.id = c.parent_id
			WHERE p.repository_id = ? AND p.path = ? AND c.name = ?
		LIMIT 1)`, repo, path, repo, parent, name)
	if isNoRows(err) {
		err = cmis.Errorf(cmis.ErrObjectNotFound, "no object at path %s", path)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("path %s: %w", path, err)
	}
	return o, l, nil
}

// ObjectByPath resolves "/a/b/c": a folder by its materialised path, any
// other object by its parent folder's path and its name there.
func (s *DB) ObjectByPath(ctx context.Context, repo, path string) (*cmis.Object, error) {
	o, _, err := s.ObjectByPathAs(ctx, repo, path, nil)
	return o, err
}

// objectAs reads the object where (on objects o) selects, with its
// properties, and reader's level to it; sql.ErrNoRows when there is none.
func (s *DB) objectAs(ctx context.Context, reader *cmis.Access, where string, args ...any) (*cmis.Object, cmis.Level, error) {
	var o *cmis.Object
	level := cmis.NoAccess
	err := s.inReadTx(ctx, func(tx *sqlx.Tx) error {
		inWrite := scopeOf(ctx) != nil && scopeOf(ctx).write
		column, colArgs := levelColumn(reader)
		if inWrite {
			column, colArgs = "", nil
		}
		var l sql.NullInt64
		var extra []any
		if column != "" {
			extra = []any{&l}
		}
		rows, err := tx.QueryxContext(ctx, `SELECT `+objectColumns+column+objectFrom+` WHERE `+where, append(colArgs, args...)...)
		if err != nil {
			return err
		}
		r := newObjectRow(extra...)
		if rows.Next() {
			o, err = r.scan(rows)
		}
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
		if err == nil && o == nil {
			err = sql.ErrNoRows
		}
		if err != nil {
			return err
		}
		if err := r.fill(ctx, tx); err != nil {
			return err
		}
		switch {
		case reader != nil && reader.Admin:
			level = cmis.CanAll
		case inWrite:
			got, err := s.Levels(ctx, []string{o.ID}, reader)
			if err != nil {
				return err
			}
			level = got[o.ID]
		default:
			level = cmis.Level(l.Int64)
		}
		return nil
	})
	return o, level, err
}

// ContentAs is ObjectAs for a read of the object's content stream: the
// object with its ids, types and content stream only (no properties,
// versioning or filing columns, no subqueries), and reader's level, in
// one statement of the read snapshot. In a write it is ObjectAs.
func (s *DB) ContentAs(ctx context.Context, repo, id string, reader *cmis.Access) (*cmis.Object, cmis.Level, error) {
	if sc := scopeOf(ctx); sc != nil && sc.write {
		return s.ObjectAs(ctx, repo, id, reader)
	}
	r := &contentRow{o: cmis.Object{ID: id, RepositoryID: repo}}
	err := s.inReadTx(ctx, func(tx *sqlx.Tx) error {
		column, args := levelColumn(reader)
		if column == "" {
			column = ", NULL"
		}
		// The NULLIFs spare a string for the common values, as objectColumns does.
		return tx.QueryRowxContext(ctx, `SELECT NULLIF(o.base_type_id, 'cmis:document'), NULLIF(o.type_id, o.base_type_id),
			ct.id, ct.length, ct.mime_type, COALESCE(ct.file_name, o.name), ct.sha256`+column+objectFrom+
			` WHERE o.id = ? AND o.repository_id = ?`, append(args, id, repo)...).
			Scan(&r.base, &r.typeID, &r.ctID, &r.ctLen, &r.ctMime, &r.ctName, &r.ctSHA, &r.level)
	})
	if isNoRows(err) {
		err = cmis.Errorf(cmis.ErrObjectNotFound, "object %s not found", id)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("object %s: %w", id, err)
	}
	level := cmis.Level(r.level.Int64)
	if reader != nil && reader.Admin {
		level = cmis.CanAll
	}
	return r.object(), level, nil
}

// contentRow receives ContentAs's columns: the object, its content and
// the destinations in one allocation.
type contentRow struct {
	o                                         cmis.Object
	c                                         cmis.ContentInfo
	base, typeID, ctID, ctMime, ctName, ctSHA sql.NullString
	ctLen, level                              sql.NullInt64
}

func (r *contentRow) object() *cmis.Object {
	o := &r.o
	setTypes(o, r.base, r.typeID)
	if r.ctID.Valid {
		r.c = cmis.ContentInfo{ID: r.ctID.String, Length: r.ctLen.Int64, MimeType: r.ctMime.String, FileName: r.ctName.String, SHA256: r.ctSHA.String}
		o.Content = &r.c
	}
	return o
}

// levelColumn is the column, ", (…)", of reader's highest level on the
// object o of a statement, and its arguments; none for an administrator
// (who has every level) or a reader of no principal (who has none).
func levelColumn(reader *cmis.Access) (string, []any) {
	if reader == nil || reader.Admin || len(reader.Principals) == 0 {
		return "", nil
	}
	in, args := principalsIn(reader)
	return `, (SELECT MAX(ace.level) FROM acl_entries ace WHERE ace.object_id = o.id AND ace.principal_id` + in + `)`, args
}
