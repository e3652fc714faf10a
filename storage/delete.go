package storage

import (
	"context"
	"fmt"

	"github.com/cmisd/cmisd/cmis"
	"github.com/jmoiron/sqlx"
)

// DeleteObject removes one object; a folder must be empty and cannot be
// the root.
func (s *DB) DeleteObject(ctx context.Context, repo, id string) error {
	var removed []string
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		o, err := getObject(ctx, tx, repo, id)
		if err != nil {
			return err
		}
		if o.BaseTypeID == cmis.BaseFolder {
			if o.Path == "/" {
				return cmis.Errorf(cmis.ErrConstraint, "the root folder cannot be deleted")
			}
			var n int
			if err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM containment WHERE parent_id = ?`, id); err != nil {
				return err
			}
			if n > 0 {
				return cmis.Errorf(cmis.ErrConstraint, "folder %s is not empty (%d children); use deleteTree", id, n)
			}
		}
		ids, err := seriesOf(ctx, tx, []string{id}) // a document goes with all its versions
		if err != nil {
			return err
		}
		removed, err = deleteRows(ctx, tx, ids, s.now().UnixMilli())
		return err
	})
	if err != nil {
		return fmt.Errorf("delete %s: %w", id, err)
	}
	s.released(ctx, removed...)
	return nil
}

// deleteRows deletes objects (containment, properties and secondary types
// go by cascade) and the content rows they were the last to use. The
// relationships of the objects go with them; a policy still applied to
// an object that stays is a constraint error.
func deleteRows(ctx context.Context, tx *sqlx.Tx, ids []string, now int64) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	ids, err := withDependents(ctx, tx, ids)
	if err != nil {
		return nil, err
	}
	if err := logChanges(ctx, tx, now, changeDeleted, ids...); err != nil {
		return nil, err
	}
	if err := unindex(ctx, tx, ids); err != nil {
		return nil, err
	}
	if err := releasePolicies(ctx, tx, ids); err != nil {
		return nil, err
	}
	q, args, err := sqlx.In(`SELECT DISTINCT content_id FROM objects WHERE id IN (?) AND content_id IS NOT NULL`, ids)
	if err != nil {
		return nil, err
	}
	var contents []string
	if err := tx.SelectContext(ctx, &contents, q, args...); err != nil {
		return nil, err
	}
	// Containment rows naming the objects as parent first: the foreign key
	// on parent_id does not cascade (a folder's children are not deleted
	// implicitly).
	q, args, _ = sqlx.In(`DELETE FROM containment WHERE parent_id IN (?)`, ids)
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return nil, err
	}
	q, args, _ = sqlx.In(`DELETE FROM objects WHERE id IN (?)`, ids)
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return nil, err
	}
	var removed []string
	for _, c := range contents {
		r, err := dropContentIfUnused(ctx, tx, c)
		if err != nil {
			return nil, err
		}
		if r != "" {
			removed = append(removed, r)
		}
	}
	return removed, nil
}

// DeleteTree removes a folder, its subfolders and the objects filed in
// them, in one transaction. Objects also filed outside the tree are
// unfiled from it or deleted, as mode says.
func (s *DB) DeleteTree(ctx context.Context, repo, folderID string, mode cmis.UnfileMode, continueOnFailure bool) ([]string, error) {
	var removed []string
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		root, err := requireFolder(ctx, tx, repo, folderID)
		if err != nil {
			return err
		}
		if root == "/" {
			return cmis.Errorf(cmis.ErrConstraint, "the root folder cannot be deleted")
		}
		lo, hi := subtreeRange(root)
		var folders []string
		if err := tx.SelectContext(ctx, &folders, `SELECT id FROM objects WHERE repository_id = ? AND (path = ? OR (path >= ? AND path < ?))`,
			repo, root, lo, hi); err != nil {
			return err
		}
		q, args, _ := sqlx.In(`SELECT c.child_id,
				(SELECT COUNT(*) FROM containment x WHERE x.child_id = c.child_id AND x.parent_id NOT IN (?)) AS outside
			FROM containment c JOIN objects o ON o.id = c.child_id JOIN objects p ON p.id = c.parent_id
			WHERE c.parent_id IN (?) AND o.base_type_id <> 'cmis:folder'
			ORDER BY p.path, c.name`, folders, folders) // the tree's order: the change log reports it
		rows, err := tx.QueryxContext(ctx, q, args...)
		if err != nil {
			return err
		}
		var doomed []string
		seen := map[string]bool{}
		for rows.Next() {
			var id string
			var outside int
			if err := rows.Scan(&id, &outside); err != nil {
				rows.Close()
				return err
			}
			if seen[id] {
				continue
			}
			seen[id] = true
			// unfile keeps every object; deletesinglefiled keeps those
			// filed outside the tree too. Their filings inside it go below.
			if mode == cmis.UnfileDelete || (mode == cmis.UnfileDeleteSingleFiled && outside == 0) {
				doomed = append(doomed, id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		// Unfile what survives, then delete the objects and folders.
		q, args, _ = sqlx.In(`DELETE FROM containment WHERE parent_id IN (?)`, folders)
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
		if doomed, err = seriesOf(ctx, tx, doomed); err != nil { // documents go with all their versions
			return err
		}
		removed, err = deleteRows(ctx, tx, append(doomed, folders...), s.now().UnixMilli())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("delete tree %s: %w", folderID, err)
	}
	s.released(ctx, removed...)
	return nil, nil
}
