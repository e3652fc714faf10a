package storage

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/cmisd/cmisd/cmis"
	"github.com/jmoiron/sqlx"
)

var _ cmis.ObjectStore = (*DB)(nil)

// The column a value is kept in follows its type; see object_properties.
func encodeValue(t cmis.PropertyType, v cmis.Value) (text, n, f any) {
	switch x := v.(type) {
	case bool:
		return nil, b2i(x), nil
	case int64:
		return nil, x, nil
	case time.Time:
		return nil, x.UnixMilli(), nil
	case cmis.Decimal:
		return string(x), nil, x.Float()
	case string:
		return x, nil, nil
	}
	return cmis.FormatValue(t, v), nil, nil
}

func decodeValue(t cmis.PropertyType, text sql.NullString, n sql.NullInt64) (cmis.Value, error) {
	switch t {
	case cmis.PropertyBoolean:
		return n.Int64 != 0, nil
	case cmis.PropertyInteger:
		return n.Int64, nil
	case cmis.PropertyDateTime:
		return msTime(n.Int64), nil
	case cmis.PropertyDecimal:
		return cmis.Decimal(text.String), nil
	case cmis.PropertyID, cmis.PropertyString, cmis.PropertyHTML, cmis.PropertyURI:
		return text.String, nil
	}
	return nil, fmt.Errorf("unknown property type %q", t)
}

// propertyTypes maps property ids to their types for the values being
// written; the caller (services) has validated values against definitions.
func insertProperties(ctx context.Context, tx execer, objectID string, props map[string][]cmis.Value) error {
	ids := make([]string, 0, len(props))
	for id := range props {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		for pos, v := range props[id] {
			t := valueType(v)
			text, n, f := encodeValue(t, v)
			if _, err := tx.ExecContext(ctx, `INSERT INTO object_properties (object_id, property_id, position, property_type,
				value_text, value_int, value_real) VALUES (?, ?, ?, ?, ?, ?, ?)`, objectID, id, pos, t, text, n, f); err != nil {
				return fmt.Errorf("property %s: %w", id, err)
			}
		}
	}
	return nil
}

// valueType is the property type of a Go value; strings are kept as
// "string" since id, html and uri values decode the same way.
func valueType(v cmis.Value) cmis.PropertyType {
	switch v.(type) {
	case bool:
		return cmis.PropertyBoolean
	case int64:
		return cmis.PropertyInteger
	case time.Time:
		return cmis.PropertyDateTime
	case cmis.Decimal:
		return cmis.PropertyDecimal
	}
	return cmis.PropertyString
}

func getObject(ctx context.Context, q sqlx.QueryerContext, repo, id string) (*cmis.Object, error) {
	objs, err := queryObjects(ctx, q, `SELECT `+objectColumns+objectFrom+` WHERE o.id = ? AND o.repository_id = ?`, id, repo)
	if err != nil {
		return nil, err
	}
	if len(objs) == 0 {
		return nil, cmis.Errorf(cmis.ErrObjectNotFound, "object %s not found", id)
	}
	return objs[0], nil
}

// Object returns one object.
func (s *DB) Object(ctx context.Context, repo, id string) (*cmis.Object, error) {
	var o *cmis.Object
	err := s.inReadTx(ctx, func(tx *sqlx.Tx) (err error) {
		o, err = getObject(ctx, tx, repo, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("object %s: %w", id, err)
	}
	return o, nil
}

// Objects loads the existing objects among ids (and their properties)
// with a fixed number of statements.
func (s *DB) Objects(ctx context.Context, repo string, ids []string) ([]*cmis.Object, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var out []*cmis.Object
	err := s.inReadTx(ctx, func(tx *sqlx.Tx) error {
		q, args, err := sqlx.In(`SELECT `+objectColumns+objectFrom+` WHERE `+s.dialect.noIndexPrefix()+`o.repository_id = ? AND o.id IN (?)`, repo, ids)
		if err != nil {
			return err
		}
		out, err = queryObjects(ctx, tx, q, args...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("objects: %w", err)
	}
	return out, nil
}

func requireFolder(ctx context.Context, tx *sqlx.Tx, repo, id string) (path string, err error) {
	var base string
	var p sql.NullString
	err = tx.QueryRowxContext(ctx, `SELECT base_type_id, path FROM objects WHERE id = ? AND repository_id = ?`, id, repo).Scan(&base, &p)
	if isNoRows(err) {
		return "", cmis.Errorf(cmis.ErrObjectNotFound, "folder %s not found", id)
	}
	if err != nil {
		return "", err
	}
	if base != string(cmis.BaseFolder) {
		return "", cmis.Errorf(cmis.ErrInvalidArgument, "object %s is not a folder", id)
	}
	return p.String, nil
}

// subtreeRange is the range of materialised paths strictly below a
// folder's: every path starting with "path/". '0' follows '/' in byte
// order, so the range is [path/, path0) and runs on the path index.
func subtreeRange(path string) (lo, hi string) {
	if path == "/" {
		return "/", "0"
	}
	return path + "/", path + "0"
}

func pathDepth(path string) int {
	if path == "/" {
		return 0
	}
	return strings.Count(path, "/")
}

// Descendants lists what is below a folder in a constant number of
// statements: folders by path range, then every object filed in them.
func (s *DB) Descendants(ctx context.Context, repo, folderID string, depth int, foldersOnly bool, reader *cmis.Access) ([]cmis.TreeEntry, error) {
	var out []cmis.TreeEntry
	err := s.readLimited(ctx, "getDescendants", func(ctx context.Context, tx *sqlx.Tx) error {
		root, err := requireFolder(ctx, tx, repo, folderID)
		if err != nil {
			return err
		}
		lo, hi := subtreeRange(root)
		base := pathDepth(root)
		args := []any{repo, folderID, lo, hi}
		// Only the folders whose children are depth levels deep or less:
		// a folder's depth is the number of "/" in its path.
		deep := ""
		if depth >= 0 {
			deep = ` AND length(p.path) - length(replace(p.path, '/', '')) < ?`
			args = append(args, base+depth)
		}
		kind := ""
		if foldersOnly {
			kind = ` AND o.base_type_id = 'cmis:folder'`
		}
		acl, aclArgs := readFilter("o", reader)
		rows, err := tx.QueryxContext(ctx, `SELECT `+objectColumns+`, cc.parent_id, p.path`+objectFrom+`
			JOIN containment cc ON cc.child_id = o.id JOIN objects p ON p.id = cc.parent_id
			WHERE p.repository_id = ? AND (p.id = ? OR (p.path >= ? AND p.path < ?`+deep+`))`+kind+acl+`
			ORDER BY p.path, o.name, o.id`, append(args, aclArgs...)...)
		if err != nil {
			return err
		}
		var objs []*cmis.Object
		var parentID, parentPath string
		r := newObjectRow(&parentID, &parentPath)
		for rows.Next() {
			o, err := r.scan(rows)
			if err != nil {
				rows.Close()
				return err
			}
			d := pathDepth(parentPath) - base + 1
			if depth >= 0 && d > depth {
				continue
			}
			objs = append(objs, o)
			out = append(out, cmis.TreeEntry{Object: o, ParentID: parentID, Depth: d})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		return r.fill(ctx, tx)
	})
	if err != nil {
		return nil, fmt.Errorf("descendants of %s: %w", folderID, err)
	}
	return out, nil
}

// Parents lists the folders an object is filed in; for any version of a
// document, those its version series is filed in (see versions.go).
func (s *DB) Parents(ctx context.Context, repo, id string, reader *cmis.Access) ([]cmis.Parent, error) {
	var out []cmis.Parent
	err := s.inReadTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := getObject(ctx, tx, repo, id); err != nil {
			return err
		}
		acl, aclArgs := readFilter("o", reader)
		rows, err := tx.QueryxContext(ctx, `SELECT `+objectColumns+`, cc.name`+objectFrom+`
			JOIN containment cc ON cc.parent_id = o.id WHERE cc.child_id IN (SELECT CAST(? AS TEXT) UNION
				SELECT v.id FROM objects v JOIN objects me ON me.version_series_id = v.version_series_id WHERE me.id = ?)`+acl+`
			ORDER BY o.path, o.id`,
			append([]any{id, id}, aclArgs...)...)
		if err != nil {
			return err
		}
		var objs []*cmis.Object
		var seg string
		r := newObjectRow(&seg)
		for rows.Next() {
			o, err := r.scan(rows)
			if err != nil {
				rows.Close()
				return err
			}
			objs = append(objs, o)
			out = append(out, cmis.Parent{Folder: o, PathSegment: seg})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		return r.fill(ctx, tx)
	})
	if err != nil {
		return nil, fmt.Errorf("parents of %s: %w", id, err)
	}
	return out, nil
}
