package storage

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/cmisd/cmisd/cmis"
	"github.com/jmoiron/sqlx"
)

// CreateObject stores a new object with its properties, filing and content
// in one transaction.
func (s *DB) CreateObject(ctx context.Context, o *cmis.Object, parentID string, content *cmis.ContentStream, add, remove []cmis.ACE) (*cmis.Object, error) {
	st, body, drop, err := s.staged(ctx, content, nil)
	if err != nil {
		return nil, err
	}
	var out *cmis.Object
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		now := s.now().UnixMilli()
		o.ID = newID()
		if o.BaseTypeID == cmis.BaseRelationship {
			// Its ends stay until it commits (a deletion of one waits).
			if err := s.lockObjects(ctx, tx, lockKeep, o.SourceID, o.TargetID); err != nil {
				return err
			}
		}
		if err := checkEnds(ctx, tx, o); err != nil {
			return err
		}
		var path any
		if parentID != "" {
			// The folder stays, and stays where it is, until this commits.
			ppath, err := s.lockFolder(ctx, tx, lockKeep, o.RepositoryID, parentID)
			if err != nil {
				return err
			}
			if o.BaseTypeID == cmis.BaseFolder {
				path = joinPath(ppath, o.Name)
			}
		}
		var contentID any
		if st != nil {
			if err := insertContent(ctx, tx, st, content, now); err != nil {
				return err
			}
			contentID = st.ID
		}
		aclID := inheritedACLID(parentID, add, remove)
		if err := s.insertObject(ctx, tx, o, path, contentID, aclID, now); err != nil {
			return err
		}
		if parentID != "" {
			// The row's ACL id as inserted, not the hint's subquery again.
			if err := s.fileNew(ctx, tx, parentID, o, fragment{sql: "(SELECT n.acl_id FROM objects n WHERE n.id = ?)", args: []any{o.ID}}, now); err != nil {
				return err
			}
			if err := inheritACL(ctx, tx, o.ID, parentID); err != nil {
				return err
			}
		}
		if err := changeACL(ctx, tx, []string{o.ID}, o.ID, add, remove); err != nil {
			return err
		}
		if err := insertProperties(ctx, tx, o.ID, o.Properties); err != nil {
			return err
		}
		if err := applyPolicies(ctx, tx, o); err != nil {
			return err
		}
		for _, t := range o.SecondaryTypeIDs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO object_secondary_types (object_id, type_id) VALUES (?, ?)`, o.ID, t); err != nil {
				return err
			}
		}
		if err := logCreated(ctx, tx, s.now().UnixMilli(), o); err != nil {
			return err
		}
		if err := s.indexNew(ctx, tx, o, body); err != nil {
			return err
		}
		out, err = getObject(ctx, tx, o.RepositoryID, o.ID)
		return err
	})
	if err != nil {
		drop()
		return nil, fmt.Errorf("create %q: %w", o.Name, err)
	}
	return out, nil
}

// execer runs statements: a transaction, or one that prepares each
// statement once (bulk loads).
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// insertObject writes a new object's row, with its first change token;
// a document without a version series starts one. A folder's path taken
// is nameConstraintViolation.
//
// aclID is the SQL of the ACL id the object will have, when the caller
// knows it (its folder's, for an object that takes its folder's ACL as
// it is), else NULL. It is a hint: the ACEs' triggers set the right one
// whatever it is, but an object inserted with it is not updated by them.
// On PostgreSQL that update writes a second version of the row wherever
// there is room, away from the rows inserted with it, and so scatters a
// folder's children over many pages (17 to 30 for 100 children, against
// 4), every one a page read when a listing probes them.
func (s *DB) insertObject(ctx context.Context, tx execer, o *cmis.Object, path, contentID any, aclID fragment, now int64) error {
	if o.BaseTypeID == cmis.BaseDocument && o.VersionSeriesID == "" {
		o.VersionSeriesID = newID()
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO objects (id, repository_id, type_id, base_type_id, name, description,
		created_by, creation_date, last_modified_by, last_modification_date, change_token, path,
		version_series_id, version_label, is_major_version, is_latest_version, is_latest_major, is_pwc,
		checkin_comment, content_id, source_id, target_id, policy_text, acl_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, `+aclID.sql+`)`,
		append([]any{o.ID, o.RepositoryID, o.TypeID, o.BaseTypeID, o.Name, o.Description, o.CreatedBy, now, o.CreatedBy, now,
			path, nullIfEmpty(o.VersionSeriesID), nullIfEmpty(o.VersionLabel), docBool(o, o.IsMajorVersion),
			docBool(o, o.IsLatestVersion), docBool(o, o.IsLatestMajorVersion), docBool(o, o.IsPrivateWorkingCopy),
			o.CheckinComment, contentID, nullIfEmpty(o.SourceID), nullIfEmpty(o.TargetID), o.PolicyText}, aclID.args...)...)
	if s.dialect.isUniqueViolation(err) {
		return cmis.Errorf(cmis.ErrNameConstraintViolation, "a folder named %q exists in the parent folder", o.Name)
	}
	return err
}

// inheritedACLID is insertObject's ACL id of an object created in
// parentID with add and remove: its folder's when its ACEs name the same
// principals, as they do when it adds only principals the folder names
// (its creator, typically) and removes none; else NULL.
func inheritedACLID(parentID string, add, remove []cmis.ACE) fragment {
	if parentID == "" || len(remove) > 0 {
		return fragment{sql: "NULL"}
	}
	var added []string
	for _, a := range add {
		if !slices.Contains(added, a.Principal) {
			added = append(added, a.Principal)
		}
	}
	f := fragment{sql: "(SELECT p.acl_id FROM objects p WHERE p.id = ?", args: []any{parentID}}
	if len(added) > 0 {
		in, args := inList(added)
		f.sql += fmt.Sprintf(" AND (SELECT COUNT(DISTINCT e.principal_id) FROM acl_entries e WHERE e.object_id = p.id AND e.principal_id IN (%s)) = %d", in, len(added))
		f.args = append(f.args, args...)
	}
	f.sql += ")"
	return f
}

// file adds a containment row; a taken name is nameConstraintViolation.
// The row's copies of the child's dates come from objects (a trigger).
func (s *DB) file(ctx context.Context, tx execer, parentID, childID, name string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO containment (parent_id, child_id, name) VALUES (?, ?, ?)`, parentID, childID, name)
	return s.filed(err, parentID, name)
}

// fileNew files a child just created at now, with everything the filing
// carries of it: its dates, its ACL id (aclID: SQL of the value
// insertObject wrote; the ACEs' triggers correct both if they change
// it), its listed type, and no other filing (it has none yet). SQLite's trigger then has
// nothing to copy (migration 11), which spares the create an UPDATE of
// the row and of its entries in the filings' indexes. A bulk load
// batches these rows (aclID a value).
func (s *DB) fileNew(ctx context.Context, tx execer, parentID string, o *cmis.Object, aclID fragment, now int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO containment (parent_id, child_id, name, creation_date, last_modification_date, acl_id, listed_type, multi)
		VALUES (?, ?, ?, ?, ?, `+aclID.sql+`, ?, 0)`,
		append(append([]any{parentID, o.ID, o.Name, now, now}, aclID.args...), listedType(o))...)
	return s.filed(err, parentID, o.Name)
}

// listedType is what a filing of o carries as listed_type: its type, if
// a query lists it (the migration's CASE on is_pwc and is_latest_version,
// which only documents have, see docBool); else NULL.
func listedType(o *cmis.Object) any {
	if o.BaseTypeID == cmis.BaseDocument && (o.IsPrivateWorkingCopy || !o.IsLatestVersion) {
		return nil
	}
	return o.TypeID
}

// filed is the error of a filing: a taken name is nameConstraintViolation.
func (s *DB) filed(err error, parentID, name string) error {
	if s.dialect.isUniqueViolation(err) {
		return cmis.Errorf(cmis.ErrNameConstraintViolation, "an object named %q exists in folder %s", name, parentID)
	}
	return err
}

func joinPath(parent, name string) string {
	if parent == "/" {
		return "/" + name
	}
	return parent + "/" + name
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// docBool stores versioning flags for documents only.
func docBool(o *cmis.Object, b bool) any {
	if o.BaseTypeID != cmis.BaseDocument {
		return nil
	}
	return b2i(b)
}

// touch checks the change token and bumps it in the same statement: a
// stale token changes no row, and nothing can slip in between a read and
// the write. It returns updateConflict for a stale token.
func touch(ctx context.Context, tx *sqlx.Tx, repo, id string, changeToken *int64, user string, now int64) error {
	q := `UPDATE objects SET change_token = change_token + 1, last_modified_by = ?, last_modification_date = ?
		WHERE id = ? AND repository_id = ?`
	args := []any{user, now, id, repo}
	if changeToken != nil {
		q += ` AND change_token = ?`
		args = append(args, *changeToken)
	}
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := getObject(ctx, tx, repo, id); err != nil {
			return err
		}
		return cmis.Errorf(cmis.ErrUpdateConflict, "object %s was changed by someone else (stale change token)", id)
	}
	return nil
}

// UpdateObject applies a change under optimistic locking.
func (s *DB) UpdateObject(ctx context.Context, repo, id string, changeToken *int64, c cmis.Change, user string) (*cmis.Object, error) {
	var out *cmis.Object
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := touch(ctx, tx, repo, id, changeToken, user, s.now().UnixMilli()); err != nil {
			return err
		}
		o, err := getObject(ctx, tx, repo, id)
		if err != nil {
			return err
		}
		if err := s.applyChange(ctx, tx, o, c); err != nil {
			return err
		}
		if err := s.indexProps(ctx, tx, id); err != nil {
			return err
		}
		out, err = s.updated(ctx, tx, repo, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("update %s: %w", id, err)
	}
	return out, nil
}

// updated ends a write that changed an object: its change-log event, in
// the same transaction, and the object as it now is.
func (s *DB) updated(ctx context.Context, tx *sqlx.Tx, repo, id string) (*cmis.Object, error) {
	if err := logChanges(ctx, tx, s.now().UnixMilli(), changeUpdated, id); err != nil {
		return nil, err
	}
	return getObject(ctx, tx, repo, id)
}

// applyChange writes a property change to an object (UpdateObject,
// CheckIn) inside the caller's transaction.
func (s *DB) applyChange(ctx context.Context, tx *sqlx.Tx, o *cmis.Object, c cmis.Change) error {
	if c.Name != nil && *c.Name != o.Name {
		if err := s.rename(ctx, tx, o, *c.Name); err != nil {
			return err
		}
	}
	if c.Description != nil {
		if _, err := tx.ExecContext(ctx, `UPDATE objects SET description = ? WHERE id = ?`, *c.Description, o.ID); err != nil {
			return err
		}
	}
	for pid, vs := range c.Properties {
		if _, err := tx.ExecContext(ctx, `DELETE FROM object_properties WHERE object_id = ? AND property_id = ?`, o.ID, pid); err != nil {
			return err
		}
		if len(vs) > 0 {
			if err := insertProperties(ctx, tx, o.ID, map[string][]cmis.Value{pid: vs}); err != nil {
				return err
			}
		}
	}
	if c.SecondaryTypeIDs != nil {
		if _, err := tx.ExecContext(ctx, `DELETE FROM object_secondary_types WHERE object_id = ?`, o.ID); err != nil {
			return err
		}
		for _, t := range *c.SecondaryTypeIDs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO object_secondary_types (object_id, type_id) VALUES (?, ?)`, o.ID, t); err != nil {
				return err
			}
		}
	}
	return nil
}

// rename changes an object's name everywhere it is filed and, for a
// folder, the paths of everything below it.
func (s *DB) rename(ctx context.Context, tx *sqlx.Tx, o *cmis.Object, name string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE objects SET name = ? WHERE id = ?`, name, o.ID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE containment SET name = ? WHERE child_id = ?`, name, o.ID)
	if s.dialect.isUniqueViolation(err) {
		return cmis.Errorf(cmis.ErrNameConstraintViolation, "an object named %q exists in the same folder", name)
	}
	if err != nil {
		return err
	}
	if o.BaseTypeID == cmis.BaseFolder && o.Path != "/" {
		parent := o.Path[:strings.LastIndexByte(o.Path, '/')]
		if parent == "" {
			parent = "/"
		}
		if err := s.lockSubtree(ctx, tx, o.RepositoryID, o.Path); err != nil {
			return err
		}
		return s.movePaths(ctx, tx, o.RepositoryID, o.Path, joinPath(parent, name))
	}
	return nil
}

// movePaths rewrites the materialised paths of a folder and its subtree.
// substr counts characters on both engines, not bytes.
func (s *DB) movePaths(ctx context.Context, tx *sqlx.Tx, repo, from, to string) error {
	lo, hi := subtreeRange(from)
	_, err := tx.ExecContext(ctx, `UPDATE objects SET path = CAST(? AS TEXT) || substr(path, ?)
		WHERE repository_id = ? AND (path = ? OR (path >= ? AND path < ?))`,
		to, utf8.RuneCountInString(from)+1, repo, from, lo, hi)
	if s.dialect.isUniqueViolation(err) {
		return cmis.Errorf(cmis.ErrNameConstraintViolation, "a folder exists at %s", to)
	}
	return err
}

// MoveObject refiles an object from one folder into another.
func (s *DB) MoveObject(ctx context.Context, repo, id, sourceID, targetID, user string) (*cmis.Object, error) {
	var out *cmis.Object
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := s.lockObjects(ctx, tx, lockChange, id); err != nil {
			return err
		}
		o, err := getObject(ctx, tx, repo, id)
		if err != nil {
			return err
		}
		if o.BaseTypeID == cmis.BaseFolder {
			// Its subtree's paths change: nothing is filed there meanwhile.
			if err := s.lockSubtree(ctx, tx, repo, o.Path); err != nil {
				return err
			}
		}
		tpath, err := s.lockFolder(ctx, tx, lockKeep, repo, targetID)
		if err != nil {
			return err
		}
		if o.BaseTypeID == cmis.BaseFolder {
			if o.Path == "/" {
				return cmis.Errorf(cmis.ErrConstraint, "the root folder cannot be moved")
			}
			if tpath == o.Path || strings.HasPrefix(tpath, o.Path+"/") {
				return cmis.Errorf(cmis.ErrConstraint, "folder %s cannot move into its own subtree", id)
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM containment WHERE parent_id = ? AND child_id = ?`, sourceID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return cmis.Errorf(cmis.ErrInvalidArgument, "object %s is not filed in folder %s", id, sourceID)
		}
		if err := s.file(ctx, tx, targetID, id, o.Name); err != nil {
			return err
		}
		if o.BaseTypeID == cmis.BaseFolder {
			if err := s.movePaths(ctx, tx, repo, o.Path, joinPath(tpath, o.Name)); err != nil {
				return err
			}
		}
		if err := touch(ctx, tx, repo, id, nil, user, s.now().UnixMilli()); err != nil {
			return err
		}
		out, err = s.updated(ctx, tx, repo, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("move %s: %w", id, err)
	}
	return out, nil
}
