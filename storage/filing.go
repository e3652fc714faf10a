package storage

import (
	"context"
	"fmt"

	"github.com/cmisd/cmisd/cmis"
	"github.com/jmoiron/sqlx"
)

// Multi-filing and unfiling. A non-folder object has zero or more rows in
// containment: several parents (multi-filed) or none (unfiled). A folder
// keeps exactly one, which its materialised path encodes. A document's
// filing belongs to its version series (see versions.go): whichever
// version a request names, the rows are those of the series' head. Filing changes
// neither the object's properties nor its change token, and it does not
// change its ACL: inherited ACEs are copied when an object is created, so
// a second parent's ACEs reach the object only when applied to the parent
// with propagation.

// AddToFolder files an object in one more folder.
func (s *DB) AddToFolder(ctx context.Context, repo, id, folderID string) error {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		o, err := getObject(ctx, tx, repo, id)
		if err != nil {
			return err
		}
		if o.BaseTypeID == cmis.BaseFolder {
			return cmis.Errorf(cmis.ErrConstraint, "folder %s cannot be filed in a second folder", id)
		}
		if o.BaseTypeID == cmis.BaseRelationship {
			return cmis.Errorf(cmis.ErrConstraint, "relationship %s is not fileable", id)
		}
		if _, err := requireFolder(ctx, tx, repo, folderID); err != nil {
			return err
		}
		holder, name, err := filingHolder(ctx, tx, o)
		if err != nil {
			return err
		}
		var n int
		if err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM containment WHERE parent_id = ? AND child_id = ?`, folderID, holder); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		if err := s.file(ctx, tx, folderID, holder, name); err != nil {
			return err
		}
		return logChanges(ctx, tx, s.now().UnixMilli(), changeUpdated, holder)
	})
	if err != nil {
		return fmt.Errorf("add %s to folder %s: %w", id, folderID, err)
	}
	return nil
}

// RemoveFromFolders unfiles an object from some of its parents.
func (s *DB) RemoveFromFolders(ctx context.Context, repo, id string, folderIDs []string) error {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		o, err := getObject(ctx, tx, repo, id)
		if err != nil {
			return err
		}
		if o.BaseTypeID == cmis.BaseFolder {
			return cmis.Errorf(cmis.ErrConstraint, "folder %s cannot be unfiled", id)
		}
		holder, _, err := filingHolder(ctx, tx, o)
		if err != nil {
			return err
		}
		for _, f := range folderIDs {
			res, err := tx.ExecContext(ctx, `DELETE FROM containment WHERE parent_id = ? AND child_id = ?`, f, holder)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return cmis.Errorf(cmis.ErrInvalidArgument, "object %s is not filed in folder %s", id, f)
			}
		}
		return logChanges(ctx, tx, s.now().UnixMilli(), changeUpdated, holder)
	})
	if err != nil {
		return fmt.Errorf("remove %s from folders: %w", id, err)
	}
	return nil
}

// Filed reports which objects have at least one parent (documents: whose
// version series has), in one statement.
func (s *DB) Filed(ctx context.Context, ids []string) (map[string]bool, error) {
	out := make(map[string]bool, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	q, args, err := sqlx.In(`SELECT o.id FROM objects o WHERE o.id IN (?)
		AND (EXISTS (SELECT 1 FROM containment c WHERE c.child_id = o.id)
			OR (o.version_series_id IS NOT NULL AND EXISTS (SELECT 1 FROM objects v JOIN containment c ON c.child_id = v.id
				WHERE v.version_series_id = o.version_series_id)))`, ids)
	if err != nil {
		return nil, err
	}
	var filed []string
	if err := sqlx.SelectContext(ctx, s.queryer(ctx), &filed, q, args...); err != nil {
		return nil, fmt.Errorf("filing: %w", err)
	}
	for _, id := range filed {
		out[id] = true
	}
	return out, nil
}

// filingHolder is the object whose containment rows stand for o's filing,
// and its name there: o itself, or for a document the member of its
// version series that holds the series' rows (else its head: the latest
// version, or the PWC of a series created checked out).
func filingHolder(ctx context.Context, tx *sqlx.Tx, o *cmis.Object) (string, string, error) {
	if o.BaseTypeID != cmis.BaseDocument || o.VersionSeriesID == "" {
		return o.ID, o.Name, nil
	}
	var h struct {
		ID   string `db:"id"`
		Name string `db:"name"`
	}
	err := tx.GetContext(ctx, &h, `SELECT v.id, v.name FROM objects v WHERE v.version_series_id = ?
		ORDER BY EXISTS (SELECT 1 FROM containment c WHERE c.child_id = v.id) DESC,
			COALESCE(v.is_latest_version, 0) DESC, COALESCE(v.is_pwc, 0) DESC, v.id
		LIMIT 1`, o.VersionSeriesID)
	if isNoRows(err) {
		return o.ID, o.Name, nil
	}
	if err != nil {
		return "", "", err
	}
	return h.ID, h.Name, nil
}
